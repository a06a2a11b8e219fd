#!/bin/sh
# Installs Snakemake from PyPI into a virtual environment at $1 (once; kept between runs), for
# the workflow-manager tests: Snakemake drives gourd installed as `apptainer` (issue 15).
# Usage: Tests/Support/setup-snakemake.sh DIR    (needs python3 with venv and PyPI access)
set -eu
dir=${1:?usage: setup-snakemake.sh DIR}
if [ -x "$dir/bin/snakemake" ] && "$dir/bin/snakemake" --version >/dev/null 2>&1; then
    exit 0
fi
rm -rf "$dir"
/usr/bin/python3 -m venv "$dir"
"$dir/bin/pip" install -q --disable-pip-version-check 'snakemake>=8,<10'
chmod -R a+rX "$dir"
echo "setup-snakemake: $("$dir/bin/snakemake" --version) in $dir"
