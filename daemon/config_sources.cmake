# The configuration parsers' sources (pure code), listed once: the daemon's
# fo_daemon_config library and the fuzz build (which compiles them without the
# OS-facing libraries) both use this list.
set(FO_DAEMON_CONFIG_SOURCES config.cpp config_sections.cpp config_validate.cpp hostconfig.cpp)
# Pure code of other parts that the parsers call (paths from the project
# root): the fuzz build compiles it in; fo_daemon_config links its library.
set(FO_DAEMON_CONFIG_OTHER_SOURCES takeover/src/ipv6_service.cpp)
