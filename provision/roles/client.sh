#!/usr/bin/env bash
# Client: where the user's traffic starts. Tools the checks, drills and load tests use (curl, php-cli
# with curl, openssl) and the lab CA in the system trust store, so HTTPS to the front is verified.
# Inputs: the lab CA the engine uploads to /opt/lab/tls/ca.crt.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"

CA_SRC=/opt/lab/tls/ca.crt
CA_DST=/usr/local/share/ca-certificates/nextcloud-ha-lab.crt

apply() {
  ensure_role_packages client
  [[ -f $CA_SRC ]] || die "$CA_SRC is missing: the engine uploads the lab CA before the client phase"
  if put_file "$CA_DST" 0644 <"$CA_SRC"; then
    update-ca-certificates >&2
    changed "trusted the lab CA system-wide"
  fi
  # update-ca-certificates may have been interrupted: the bundle must contain the CA.
  grep -qF "$(sed -n 2p "$CA_SRC")" /etc/ssl/certs/ca-certificates.crt || {
    update-ca-certificates --fresh >&2
    changed "rebuilt the system CA bundle"
  }
}

case ${1:-} in
  apply) apply ;;
  *) die "usage: client.sh apply" ;;
esac
