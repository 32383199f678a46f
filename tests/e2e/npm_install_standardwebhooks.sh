#!/bin/sh
# The signature tests' set-up: the npm package standardwebhooks from the npm registry, into
# PREFIX. npm is told to trust the system's CA store, as curl and apt do: Debian's node does
# not read it by itself, and a network that inspects TLS has its CA there. A registry that
# cannot be reached fails the set-up, and with it the tests that need it: never a silent skip.
set -u
prefix=$1
mkdir -p "$prefix"
set -- install --no-audit --no-fund --prefix "$prefix"
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  set -- "$@" --cafile /etc/ssl/certs/ca-certificates.crt
fi
if ! npm "$@" standardwebhooks >"$prefix/install.log" 2>&1; then
  cat "$prefix/install.log"
  echo "FAILED: npm could not install the package standardwebhooks from the npm registry (network access to the" \
    "registry and the Debian packages nodejs and npm are needed); the signature cross-check cannot run."
  exit 1
fi
