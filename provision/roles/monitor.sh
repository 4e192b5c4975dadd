#!/usr/bin/env bash
# Monitor: Prometheus scrapes every exporter of the lab every 5 s and evaluates the alert rules,
# Alertmanager receives the alerts (and sends them nowhere: the lab has no route out), the blackbox
# exporter probes the front address and the router. Step: apply.
# Inputs: NODE_IP, and what the engine rendered from the lab model (scripts/monitor/config.ts) and
# uploaded to /opt/lab/monitor/: prometheus.yml, lab-rules.yml, blackbox.yml.
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$LAB_PROVISION_DIR/lib/common.sh"
# shellcheck source=../lib/exporters.sh
source "$LAB_PROVISION_DIR/lib/exporters.sh"

IN=/opt/lab/monitor
FILES=$LAB_PROVISION_DIR/files/monitor
# Retention: 2 hours, and never more than 256 MB on disk, whichever comes first. A lab is rebuilt often;
# what matters is the last drill.
RETENTION="--storage.tsdb.retention.time=2h --storage.tsdb.retention.size=256MB"
# A query sees a series whose last sample is at most 15 s old (3 scrapes), not the default 5 minutes. A
# series that vanished while Prometheus was down gets no staleness marker, so after a whole-lab restart
# the default kept Redis's pre-restart series (role:master, the old process_id) beside the new one, and
# RedisTwoPrimaries fired for 5 minutes on a healthy lab (the tp e2e after `down` and `up`).
LOOKBACK="--query.lookback-delta=15s"

ready() { curl -fsS -m 2 "http://$NODE_IP:$1$2" >/dev/null; }

setup_prometheus() {
  local restart=0 reload=0 f
  for f in prometheus.yml lab-rules.yml; do
    [[ -f $IN/$f ]] || die "$IN/$f is missing: the engine uploads it before the monitor phase"
    put_file "/etc/prometheus/$f" 0644 <"$IN/$f" && reload=1
  done
  put_file /etc/prometheus/rules.yml 0644 <"$FILES/rules.yml" && reload=1
  put_file /etc/prometheus/consoles/lab.html 0644 <"$FILES/lab.html" || true
  promtool check config /etc/prometheus/prometheus.yml >&2 || die "promtool rejects /etc/prometheus/prometheus.yml (see above)"
  cat <<ARGS | put_file /etc/default/prometheus 0644 && restart=1
# Written by the lab's monitor role.
ARGS="--config.file=/etc/prometheus/prometheus.yml --web.listen-address=$NODE_IP:9090 --storage.tsdb.path=/var/lib/prometheus/metrics2/ $RETENTION $LOOKBACK --web.console.templates=/etc/prometheus/consoles --web.console.libraries=/etc/prometheus/console_libraries"
ARGS
  # GOGC=50 as for the exporters (lib/exporters.sh); Prometheus keeps every core for its queries.
  lab_dropin 'Environment=GOGC=50' |
    put_file /etc/systemd/system/prometheus.service.d/lab.conf 0644 && { systemctl daemon-reload; restart=1; }
  ensure_enabled prometheus
  if [[ $restart == 0 && $reload == 1 ]] && systemctl is-active --quiet prometheus; then
    systemctl reload prometheus
    changed "reloaded prometheus"
  else
    restart_if "$restart" prometheus
  fi
  wait_until 60 "Prometheus to be ready" ready 9090 /-/ready
}

setup_alertmanager() {
  local restart=0
  put_file /etc/prometheus/alertmanager.yml 0644 <"$FILES/alertmanager.yml" && restart=1
  # No cluster: one Alertmanager, no gossip port.
  cat <<ARGS | put_file /etc/default/prometheus-alertmanager 0644 && restart=1
# Written by the lab's monitor role.
ARGS="--config.file=/etc/prometheus/alertmanager.yml --web.listen-address=$NODE_IP:9093 --cluster.listen-address="
ARGS
  lab_dropin "$LAB_GO_ENV" |
    put_file /etc/systemd/system/prometheus-alertmanager.service.d/lab.conf 0644 && { systemctl daemon-reload; restart=1; }
  ensure_enabled prometheus-alertmanager
  restart_if "$restart" prometheus-alertmanager
  wait_until 60 "Alertmanager to be ready" ready 9093 /-/ready
}

setup_blackbox() {
  local restart=0
  [[ -f $IN/blackbox.yml ]] || die "$IN/blackbox.yml is missing: the engine uploads it before the monitor phase"
  put_file /etc/prometheus/blackbox.yml 0644 <"$IN/blackbox.yml" && restart=1
  printf '# Written by the lab'"'"'s monitor role.\nARGS="--config.file=/etc/prometheus/blackbox.yml --web.listen-address=127.0.0.1:9115"\n' |
    put_file /etc/default/prometheus-blackbox-exporter 0644 && restart=1
  lab_dropin "$LAB_GO_ENV" |
    put_file /etc/systemd/system/prometheus-blackbox-exporter.service.d/lab.conf 0644 && { systemctl daemon-reload; restart=1; }
  ensure_enabled prometheus-blackbox-exporter
  restart_if "$restart" prometheus-blackbox-exporter
}

apply() {
  ensure_role_packages monitor
  setup_blackbox
  setup_alertmanager
  setup_prometheus
}

case ${1:-} in
  apply) apply ;;
  *) die "usage: monitor.sh apply" ;;
esac
