#!/usr/bin/env bash
# Builds a Partages release for linux-x64 (see tools/release/README.md):
#   * self-contained single-file executables: the node agent and its inference worker, the evaluator CLI `partages`,
#     the coordinator. No .NET runtime is needed on the target machine: each executable carries its own.
#   * a Debian package of the node agent, built with dpkg-deb (tools/release/debian/ holds its files);
#   * a .tar.gz per component and SHA256SUMS over everything (check with `sha256sum -c SHA256SUMS` in the output folder).
#
# Usage: tools/release/build-release.sh [--output DIR] [--only node-agent,cli,coordinator] [--reuse]
#   --output DIR  where the release goes (default artifacts/release: ignored by git, never committed)
#   --only LIST   build only these components (comma-separated); the Debian package comes with node-agent
#   --reuse       skip publishing a component whose output is newer than every source file it is built from (the
#                 docs test uses it so that one test run publishes once)
# Needs: the .NET SDK of global.json, dpkg-deb (for the package), tar, gzip, sha256sum.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
output="$root/artifacts/release"
components="node-agent,cli,coordinator"
reuse=0
while [ $# -gt 0 ]; do
  case "$1" in
    --output) output="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --only) components="$2"; shift 2 ;;
    --reuse) reuse=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build-release.sh: unknown argument '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done

rid=linux-x64
# The agent's version is the release's: the package, the file names and `Partages.NodeAgent --version` agree.
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/node-agent/Partages.NodeAgent/Partages.NodeAgent.csproj" | head -n 1)"
[ -n "$version" ] || { echo "build-release.sh: no <Version> in Partages.NodeAgent.csproj" >&2; exit 1; }
mkdir -p "$output"

log() { printf '%s build-release: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# True when $1 (a stamp file) exists and no source file the release is built from is newer.
up_to_date() {
  local stamp="$1"
  [ "$reuse" = 1 ] && [ -f "$stamp" ] || return 1
  local newer
  newer="$(find "$root/node-agent" "$root/coordinator" "$root/cli" "$root/evaluation" "$root/protos" "$root/tools/release/build-release.sh" \
      "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/global.json" \
      -type f -newer "$stamp" -print -quit)"
  [ -z "$newer" ]
}

# publish PROJECT DIR: one self-contained single-file executable. Native libraries (ONNX Runtime, SQLite) stay beside it
# rather than being extracted at start to a temporary folder: that folder would have to be writable and executable,
# which a hardened service (PrivateTmp, a noexec /tmp) does not give. Symbols are embedded, so stack traces keep their
# line numbers without .pdb files.
publish() {
  local project="$1" dir="$2"
  dotnet publish "$root/$project" --nologo -v quiet -c Release -r "$rid" --self-contained true \
    -p:PublishSingleFile=true -p:DebugType=embedded -p:GenerateDocumentationFile=false -o "$dir"
  # A single-file executable carries its own .deps.json and .runtimeconfig.json; the copies beside it (the agent's
  # project reference to its worker brings the worker's) would only mislead.
  find "$dir" \( -name '*.pdb' -o -name '*.deps.json' -o -name '*.runtimeconfig.json' \) -delete
}

component_dir() { echo "$output/partages-$1-$version-$rid"; }

# Publishes component $1 into its folder with the function $2 (called with the folder), unless the folder is already
# up to date; the .published mark is written last, so an interrupted publish is redone.
build_component() {
  local name="$1" fill="$2" dir; dir="$(component_dir "$1")"
  if up_to_date "$dir/.published"; then log "$name: reusing $dir"; return; fi
  rm -rf "$dir"
  "$fill" "$dir"
  touch "$dir/.published"
}

fill_node_agent() {
  log "node-agent: publishing the agent and its worker"
  # Two executables in one folder: the agent starts the worker (one process per run) from its own folder.
  publish node-agent/Partages.NodeAgent/Partages.NodeAgent.csproj "$1"
  publish node-agent/Partages.NodeAgent.Worker/Partages.NodeAgent.Worker.csproj "$1"
  cp "$root/node-agent/node.example.yaml" "$root/node-agent/policy.example.yaml" "$1/"
}

fill_cli() {
  log "cli: publishing partages"
  publish cli/Partages.Cli/Partages.Cli.csproj "$1"
}

fill_coordinator() {
  log "coordinator: publishing"
  # appsettings.json stays beside the executable: the coordinator reads it from its own folder (its content root).
  publish coordinator/Partages.Coordinator/Partages.Coordinator.csproj "$1"
}

archive() {
  local name; name="$(basename "$(component_dir "$1")")"
  tar -C "$output" --exclude .published --owner=0 --group=0 --numeric-owner -czf "$output/$name.tar.gz" "$name"
}

IFS=',' read -r -a wanted <<< "$components"
for component in "${wanted[@]}"; do
  case "$component" in
    node-agent) build_component node-agent fill_node_agent; archive node-agent
                "$root/tools/release/debian/build-deb.sh" "$(component_dir node-agent)" "$version" "$output" ;;
    cli) build_component cli fill_cli; archive cli ;;
    coordinator) build_component coordinator fill_coordinator; archive coordinator ;;
    *) echo "build-release.sh: unknown component '$component' (node-agent, cli, coordinator)" >&2; exit 2 ;;
  esac
done

# Every file of the release, relative to the output folder, so `sha256sum -c SHA256SUMS` works there.
(cd "$output" && find . -type f ! -name SHA256SUMS ! -name .published -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum > SHA256SUMS)
log "done: $output (version $version, $rid); checksums in SHA256SUMS"
