#!/bin/sh
# Installs Debian packages when run as root on Debian (as CI is); anywhere else says which
# packages to install and fails.
set -e
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "apt-install: installing $* from apt" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
  echo "apt-install: not root on Debian: install $* yourself" >&2
  exit 1
fi
