#!/usr/bin/env bash
# The GlusterFS arbiter brick's node: the same glusterd as a storage node; the first storage node's
# `storage volume` step puts this node's brick last, which makes it the arbiter (metadata only).
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"

case ${1:-} in
  apply) LAB_GLUSTER_ROLE=storage-arbiter exec bash "$LAB_PROVISION_DIR/roles/storage.sh" apply ;;
  *) die "usage: storage-arbiter.sh apply" ;;
esac
