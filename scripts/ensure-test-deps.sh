#!/usr/bin/env bash
# Makes sure the Debian packages the test suites drive are installed (run before `npm test`).
# As root it installs what is missing; otherwise it names the missing packages and fails.
set -euo pipefail
PACKAGES=(chromium fonts-liberation python3 python3-django python3-djangorestframework python3-requests
  python3-build python3-setuptools python3-wheel python3-venv python3-pip
  ruby ruby-rails ruby-sqlite3 ruby-webrick redis-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: the recommended `rails` package clashes with our Node.
apt-get install -y -q --no-install-recommends "${missing[@]}"
