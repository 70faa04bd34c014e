# The configuration parsers' sources (pure code), listed once: the daemon's
# fo_daemon_config library and the fuzz build (which compiles them without the
# OS-facing libraries) both use this list.
set(FO_DAEMON_CONFIG_SOURCES config.cpp config_sections.cpp config_validate.cpp hostconfig.cpp)
