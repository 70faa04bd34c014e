#!/usr/bin/env python3
"""The man pages cannot drift from the tools or the parser.

usage: man_drift.py SOURCE_DIR HEARTBEATD FAILOVERD FOCTL FO_PROBE FO_ADDRESS

1. Options: for each tool (and each subcommand), the options its --help lists
   equal the options its page defines (definition lines starting with "*-",
   grouped by "## SUBCOMMAND" sections; options under a "# OPTIONS OF EVERY
   COMMAND" section belong to every subcommand).
2. Configuration keys: the keys the parser accepts (read from daemon/*.cpp:
   kKnownTopLevel and every reject_unknown() list with its table) equal the
   keys fastfailover.toml(5) defines ("*key*" or "*table.key*" lines); and
   every key the page defines is accepted by the parser (failoverd
   --check-config on a file holding all of them reports none as unknown).
Every mismatch is listed with the file to edit; exit 1 on any.
"""
import os
import re
import subprocess
import sys
import tempfile

source, heartbeatd, failoverd, foctl, fo_probe, fo_address = sys.argv[1:7]
man_dir = os.path.join(source, "docs/man")
problems = []


def page_text(name):
    text = open(os.path.join(man_dir, name)).read()

    def include(match):
        included = open(os.path.join(man_dir, match.group(1))).read()
        return included[included.index("\n\n") + 2:]

    return re.sub(r"^%%include (\S+)%%\n", include, text, flags=re.M)


EVERY_COMMAND = "*"  # the options of a "# OPTIONS OF EVERY COMMAND" section


def page_options(name):
    """{subcommand, "" or EVERY_COMMAND: set of options} from the definition lines."""
    groups = {"": set()}
    current = ""
    for line in page_text(name).splitlines():
        heading = re.match(r"^## (\S+)\s*$", line)
        if heading:
            current = heading.group(1)
            groups.setdefault(current, set())
        elif re.match(r"^# OPTIONS OF EVERY COMMAND\s*$", line):
            current = EVERY_COMMAND
            groups.setdefault(current, set())
        elif re.match(r"^# ", line):
            current = ""
        elif line.startswith("*-"):
            groups[current].update(re.findall(r"\*(--?[A-Za-z0-9][A-Za-z0-9-]*)\*", line))
    return groups


def help_options(tool, *subcommand):
    out = subprocess.run([tool, *subcommand, "--help"], capture_output=True, text=True, check=False)
    options, subcommands, section = set(), [], None
    for line in out.stdout.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line
            continue
        entry = re.match(r"^  (\S+)", line)
        if not entry:
            continue
        if section == "Options:" and entry.group(1).startswith("-"):
            options.update(entry.group(1).split(","))
        elif section == "Subcommands:":
            subcommands.append(entry.group(1))
    return options, subcommands


def compare(what, accepted, documented, page):
    for option in sorted(accepted - documented):
        problems.append(f"{what}: {option} is accepted (--help) but not in docs/man/{page}")
    for option in sorted(documented - accepted):
        problems.append(f"{what}: docs/man/{page} lists {option}, which the tool does not accept")


tools = {"heartbeatd": heartbeatd, "failoverd": failoverd, "foctl": foctl, "fo-probe": fo_probe, "fo-address": fo_address}
option_count = 0
for name, path in tools.items():
    page = f"{name}.8.scd"
    documented = page_options(page)
    accepted, subcommands = help_options(path)
    if not accepted:
        problems.append(f"{name} --help listed no options: cannot compare")
    compare(name, accepted, documented[""], page)
    option_count += len(accepted)
    for sub in subcommands:
        sub_accepted, _ = help_options(path, sub)
        if sub not in documented:
            problems.append(f"{name} {sub}: a subcommand without a '## {sub}' section in docs/man/{page}")
            continue
        compare(f"{name} {sub}", sub_accepted, documented[sub] | documented.get(EVERY_COMMAND, set()), page)
        option_count += len(sub_accepted)
    if EVERY_COMMAND in documented and not subcommands:
        problems.append(f"docs/man/{page} has '# OPTIONS OF EVERY COMMAND' but {name} has no subcommands")
    for sub in set(documented) - set(subcommands) - {"", EVERY_COMMAND}:
        problems.append(f"docs/man/{page} has a '## {sub}' section but {name} has no subcommand {sub}")

# --- configuration keys -------------------------------------------------
code = ""
daemon_dir = os.path.join(source, "daemon")
for name in sorted(os.listdir(daemon_dir)):
    if name.endswith(".cpp"):
        code += open(os.path.join(daemon_dir, name)).read() + "\n"

top = set()
known = re.search(r"kKnownTopLevel\s*=\s*\{(.*?)\};", code, re.S)
if known:
    top = set(re.findall(r'\{\s*"([a-z_0-9]+)"\s*,', known.group(1)))
tables = {}
for match in re.finditer(r"reject_unknown\(\s*[^,]+,\s*\{([^}]*)\}\s*,\s*([^;]*?)\);", code):
    keys = set(re.findall(r'"([a-z_0-9]+)"', match.group(1)))
    prefix = match.group(2)
    literal = re.search(r'"([a-z_0-9]+)\."', prefix)
    if literal:
        table = literal.group(1)
    else:  # path + "." with path = "NAME[" + index + "]" defined before it, or
        # inside a function documented as "/// One [[NAME]]" that gets the path
        before = code[: match.start()]
        paths = re.findall(r'path\s*=\s*"([a-z_0-9]+)\["|/// One \[\[([a-z_0-9]+)\]\]', before)
        paths = [assigned or documented for assigned, documented in paths]
        if not paths:
            problems.append(f"cannot tell the table of reject_unknown({match.group(1)}): update {__file__}")
            continue
        table = paths[-1]
    tables.setdefault(table, set()).update(keys)
parser_keys = {key for key in top if key not in tables}
parser_keys |= {f"{table}.{key}" for table, keys in tables.items() for key in keys}
for table in tables:
    if table not in top:
        problems.append(f"daemon/: table [{table}] has keys but is not in kKnownTopLevel (or update {__file__})")
if len(parser_keys) < 10:
    problems.append(f"found only {len(parser_keys)} keys in daemon/*.cpp: the parser changed shape, update {__file__}")

toml_page = "fastfailover.toml.5.scd"
page_keys = set(re.findall(r"^\*([a-z_0-9]+(?:\.[a-z_0-9]+)?)\* =", page_text(toml_page), re.M))
missing = sorted(parser_keys - page_keys)
if missing:
    problems.append(f"keys the parser accepts but docs/man/{toml_page} does not describe "
                    f"(add each with its default, range and meaning): {', '.join(missing)}")
for key in sorted(page_keys - parser_keys):
    problems.append(f"docs/man/{toml_page} describes '{key}', which daemon/*.cpp does not accept")

# The parser itself, whatever its source looks like: every documented key,
# in one file, must not come back as "unknown key".
array_tables = set(re.findall(r"\[\[([a-z_0-9]+)\]\]", page_text(toml_page)))
lines = [f'{key} = "x"' for key in sorted(page_keys) if "." not in key]
for table in sorted({key.split(".")[0] for key in page_keys if "." in key}):
    lines.append(f"[[{table}]]" if table in array_tables else f"[{table}]")
    lines += [f'{key.split(".")[1]} = "x"' for key in sorted(page_keys) if key.startswith(table + ".")]
with tempfile.NamedTemporaryFile("w", suffix=".toml") as config:
    config.write("\n".join(lines) + "\n")
    config.flush()
    checked = subprocess.run([failoverd, "--config", config.name, "--check-config"], capture_output=True,
                             text=True, check=False)
unknown = re.findall(r"key '([^']+)': unknown key", checked.stderr)
for key in unknown:
    problems.append(f"docs/man/{toml_page} describes '{key}', which failoverd rejects as an unknown key")
if "has the wrong type" not in checked.stderr and "must be" not in checked.stderr:
    problems.append("failoverd --check-config did not read the probe file's keys: " + checked.stderr[:300])

print(f"checked {option_count} options of {len(tools)} tools, {len(parser_keys)} configuration keys")
if problems:
    print("the man pages (docs/man/*.scd) and the code disagree:")
    for problem in problems:
        print("  " + problem)
    sys.exit(1)
print("man pages match the tools and the parser")
