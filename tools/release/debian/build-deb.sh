#!/usr/bin/env bash
# Builds the node agent's Debian package from a published node-agent folder (build-release.sh calls it):
#   build-deb.sh PUBLISHED_DIR VERSION OUTPUT_DIR   ->  OUTPUT_DIR/partages-node-agent_VERSION_amd64.deb
# Plain dpkg-deb, no debhelper: the package is a few files and four maintainer scripts, all in this folder.
set -euo pipefail

published="$1" version="$2" output="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb not found (apt-get install dpkg)" >&2; exit 1; }

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
root="$staging/partages-node-agent"
mkdir -p "$root/DEBIAN" "$root/usr/lib/partages" "$root/usr/bin" "$root/etc/partages" "$root/lib/systemd/system" \
  "$root/usr/share/doc/partages-node-agent/examples"

# Binaries: the agent, its worker and ONNX Runtime's native libraries, in one folder (the agent starts the worker
# from its own folder). /usr/bin gets a link, under the name every guide uses.
install -m 0755 "$published/Partages.NodeAgent" "$published/Partages.NodeAgent.Worker" "$root/usr/lib/partages/"
for library in "$published"/*.so; do install -m 0644 "$library" "$root/usr/lib/partages/"; done
ln -s ../lib/partages/Partages.NodeAgent "$root/usr/bin/Partages.NodeAgent"

# /etc/partages: the annotated examples, adapted to the package's paths. They are conffiles: dpkg keeps the hospital's
# edits on upgrade (and asks before replacing an edited file).
substitute() { # FILE FROM TO: replaces one line, and fails if the example no longer has it
  grep -qF -- "$2" "$1" || { echo "build-deb.sh: '$2' not found in $1: update build-deb.sh" >&2; exit 1; }
  local escaped_from escaped_to
  escaped_from="$(printf '%s' "$2" | sed 's/[][\.*^$/]/\\&/g')"
  escaped_to="$(printf '%s' "$3" | sed 's/[\/&]/\\&/g')"
  sed -i "s/$escaped_from/$escaped_to/" "$1"
}
{
  printf '%s\n' "# Installed by the partages-node-agent package: edit name, coordinator.url and datasets, then enroll" \
    "# (docs/hospital-it.md). dpkg keeps your edits on upgrade. The unedited example: /usr/share/doc/partages-node-agent/examples/" "#"
  cat "$published/node.example.yaml"
} > "$root/etc/partages/node.yaml"
substitute "$root/etc/partages/node.yaml" "data_directory: ./node-data" "data_directory: /var/lib/partages"
substitute "$root/etc/partages/node.yaml" "    path: ./data/amr.jsonl" "    path: /srv/partages/amr-reports.jsonl"
{
  printf '%s\n' "# Installed by the partages-node-agent package: write the hospital's policy here (docs/hospital-it.md, step 4)." \
    "# The agent reads it at start: 'systemctl restart partages-node-agent' after editing it." "#"
  cat "$published/policy.example.yaml"
} > "$root/etc/partages/policy.yaml"
chmod 0644 "$root/etc/partages/"*.yaml
install -m 0644 "$published/node.example.yaml" "$published/policy.example.yaml" "$root/usr/share/doc/partages-node-agent/examples/"
install -m 0644 "$here/README.Debian" "$root/usr/share/doc/partages-node-agent/README.Debian"
install -m 0644 "$here/partages-node-agent.service" "$root/lib/systemd/system/partages-node-agent.service"

install -m 0644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
installed_kib="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kib/" "$here/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)

# --root-owner-group: every file root:root whoever builds; the agent's own directory is made in postinst.
# gzip: every dpkg reads it (zstd only from Debian 12 / Ubuntu 21.10), and it is fast: xz took 4.5 min here for
# 20 % less (58 MB against about 75 MB), on every docs-test run.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$output/partages-node-agent_${version}_amd64.deb" >/dev/null
echo "$output/partages-node-agent_${version}_amd64.deb"
