#!/usr/bin/env python3
"""Moves a C# project's most common using directives into its project file.

For each project folder given, finds the namespaces that more than half of its .cs files import with a plain
`using X;` line (no alias, no `using static`), adds them to the project file as `<Using Include="X" />` items
(global usings), and removes those lines from every file of the project. Namespaces the build already imports
everywhere (the SDK's implicit usings, and the <Using> items of the Directory.Build.props files above the project)
are only removed from the files.

Why: the same five to ten using lines at the top of most test files are what the `duplicates` measure counts as
repeated blocks, and they say nothing a reader needs per file.

Usage:  tools/dev/global-usings.py [--dry-run] [--share 0.5] PROJECT_DIR [PROJECT_DIR ...]
Then build the project: a namespace made global can make a simple type name ambiguous in a file that did not import
it (CS0104); qualify the name or add a `using Name = Namespace.Name;` alias in that file.
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# The SDK's implicit usings for Microsoft.NET.Sdk with ImplicitUsings enabled.
IMPLICIT = {
    "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http",
    "System.Threading", "System.Threading.Tasks",
}

USING = re.compile(r"^using\s+([A-Za-z_][\w.]*)\s*;\s*$")
USING_ITEM = re.compile(r'<Using\s+Include="([^"]+)"\s*/>')
SKIPPED_FOLDERS = {"bin", "obj"}


def source_files(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*.cs") if not SKIPPED_FOLDERS & set(p.relative_to(project).parts))


def leading_usings(text: str) -> list[tuple[int, str]]:
    """(line index, namespace) of the plain using directives before the first declaration of the file."""
    found = []
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        match = USING.match(stripped)
        if match:
            found.append((index, match.group(1)))
        elif stripped.startswith("using ") and stripped.endswith(";"):
            continue  # an alias or `using static`: kept where it is
        else:
            break  # namespace, attribute, type or preprocessor line: the using block is over
    return found


def inherited_usings(project: Path) -> set[str]:
    """The <Using> items of every Directory.Build.props above the project (what each of its files already has)."""
    names = set()
    for folder in [project, *project.parents]:
        props = folder / "Directory.Build.props"
        if props.is_file():
            names.update(USING_ITEM.findall(props.read_text(encoding="utf-8")))
    return names


GLOBAL_USING = re.compile(r"^global\s+using\s+([A-Za-z_][\w.]*)\s*;\s*$", re.M)


def global_usings(files: list[Path]) -> set[str]:
    """Namespaces a file of the project already imports for all of them (`global using X;`)."""
    return {name for f in files for name in GLOBAL_USING.findall(f.read_text(encoding="utf-8"))}


def add_using_items(csproj: Path, namespaces: list[str], share: float, dry_run: bool) -> list[str]:
    text = csproj.read_text(encoding="utf-8")
    present = set(USING_ITEM.findall(text))
    new = [n for n in namespaces if n not in present]
    if not new or dry_run:
        return new
    items = "".join(f'    <Using Include="{n}" />\n' for n in new)
    group = re.search(r"( *<ItemGroup>\n(?: *<Using Include=\"[^\"]+\" />\n)+)( *</ItemGroup>)", text)
    if group:
        # Append to the project's existing group of global usings.
        text = text[: group.end(1)] + items + text[group.end(1):]
    else:
        comment = f"    <!-- Imported by more than {share:.0%} of this project's files: global (tools/dev/global-usings.py). -->\n"
        text = text.replace("</Project>", f"  <ItemGroup>\n{comment}{items}  </ItemGroup>\n</Project>", 1)
    csproj.write_text(text, encoding="utf-8")
    return new


def remove_usings(path: Path, namespaces: set[str], dry_run: bool) -> int:
    text = path.read_text(encoding="utf-8")
    doomed = {index for index, name in leading_usings(text) if name in namespaces}
    if not doomed:
        return 0
    lines = text.split("\n")
    kept = [line for index, line in enumerate(lines) if index not in doomed]
    # A file left with no using at all should not start with the blank line that followed its using block.
    while kept and kept[0].strip() == "":
        kept.pop(0)
    if not dry_run:
        path.write_text("\n".join(kept), encoding="utf-8")
    return len(doomed)


def process(project: Path, share: float, dry_run: bool) -> None:
    csprojs = sorted(project.glob("*.csproj"))
    if len(csprojs) != 1:
        sys.exit(f"{project}: expected one .csproj, found {len(csprojs)}")
    files = source_files(project)
    if not files:
        return
    counts = Counter(name for f in files for name in {n for _, n in leading_usings(f.read_text(encoding="utf-8"))})
    already = IMPLICIT | inherited_usings(project) | set(USING_ITEM.findall(csprojs[0].read_text(encoding="utf-8"))) | global_usings(files)
    common = sorted(n for n, c in counts.items() if c > share * len(files) and n not in already)
    added = add_using_items(csprojs[0], common, share, dry_run)
    removed = sum(remove_usings(f, set(common) | already, dry_run) for f in files)
    verb = "would add" if dry_run else "added"
    print(f"{project}: {len(files)} files; {verb} {added or 'nothing'}; {removed} using lines {'to remove' if dry_run else 'removed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="+", type=Path, help="project folders (each holding one .csproj)")
    parser.add_argument("--share", type=float, default=0.5, help="a namespace goes global above this share of files")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    arguments = parser.parse_args()
    for project in arguments.projects:
        process(project.resolve(), arguments.share, arguments.dry_run)


if __name__ == "__main__":
    main()
