#!/usr/bin/env bash
# Deploys and operates the trading system and OpsConsole on Kubernetes.
# Run `./deploy.sh help` for the commands.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly DEFAULT_NAMESPACE="trading-system"
# base64 of "REPLACE_ME", the placeholder secrets.yaml ships with.
readonly PLACEHOLDER="UkVQTEFDRV9NRQ=="
readonly SECRET_NAMES=(trading-secrets grafana-admin monitoring-basic-auth opsconsole-secrets)

# Dependency order: the namespace and its limits, configuration and secrets, storage, the
# databases, monitoring, the services, their autoscalers, the ingress (and the CA that
# OpsConsole's certificate needs), the run templates, then OpsConsole.
# ci-cd-pipeline.yaml is Argo CD's and is applied where Argo CD runs (see README.md).
readonly MANIFESTS=(
  namespace.yaml
  configmap.yaml
  secrets.yaml
  persistent-volumes.yaml
  infrastructure-services.yaml
  monitoring-stack.yaml
  api-service-deployment.yaml
  trading-engine-deployment.yaml
  ml-service-deployment.yaml
  data-pipeline-deployment.yaml
  autoscaling.yaml
  ingress.yaml
  training-job.yaml
  download-datasets-job.yaml
  scheduled-backtest-cronjob.yaml
  opsconsole.yaml
)
# Custom resources the manifests use: name of the CRD, and what provides it.
readonly REQUIRED_CRDS=(
  "certificates.cert-manager.io:cert-manager"
  "issuers.cert-manager.io:cert-manager"
  "verticalpodautoscalers.autoscaling.k8s.io:the Vertical Pod Autoscaler"
)
readonly TRADING_DEPLOYMENTS=(trading-api-service trading-engine trading-ml-service trading-data-pipeline)

NAMESPACE="$DEFAULT_NAMESPACE"
DRY_RUN=false
TIMEOUT="600s"

usage() {
  cat <<EOF
Usage: $(basename "$0") [options] COMMAND [ARGS]

Commands:
  deploy                   Apply every manifest in dependency order, then verify.
  verify                   Wait for every Deployment and StatefulSet to finish rolling out.
  status                   Show the namespace's workloads, services, volumes, autoscalers, runs.
  logs [DEPLOYMENT]        Recent logs of all pods of DEPLOYMENT (default trading-api-service).
  port-forward SERVICE PORT
                           Forward localhost:PORT to SERVICE (PORT may be LOCAL:REMOTE),
                           e.g. 'port-forward grafana 3000'.
  rollback [DEPLOYMENT]    Roll DEPLOYMENT back to its previous revision; without one, all
                           four trading services.
  render                   Print the manifests as deploy would apply them (no cluster needed).
  help                     Show this help.

Options:
  -n, --namespace NS       Namespace to deploy to and operate on (default $DEFAULT_NAMESPACE).
      --dry-run            deploy and rollback: send everything with --dry-run=server, change
                           nothing; other commands print what they would run.
      --timeout DURATION   How long verify waits for each rollout (default $TIMEOUT).
  -h, --help               Show this help.

Needs kubectl configured for the target cluster (except help and render).
EOF
}

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

dry_note() {
  if [[ "$DRY_RUN" == true ]]; then
    printf ' (dry run)'
  fi
}

# Runs a command, or with --dry-run for read-only commands, prints it instead.
run_or_print() {
  if [[ "$DRY_RUN" == true ]]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

require_kubectl() {
  command -v kubectl >/dev/null 2>&1 ||
    die "kubectl not found on PATH. Install it (https://kubernetes.io/docs/tasks/tools/) and configure access to the cluster."
}

require_cluster() {
  require_kubectl
  if ! kubectl version --request-timeout=10s >/dev/null 2>&1; then
    local context
    context="$(kubectl config current-context 2>/dev/null || echo '<none>')"
    die "cannot reach the Kubernetes API (kubectl context: $context). Check 'kubectl config current-context' and 'kubectl cluster-info'."
  fi
}

require_crds() {
  local entry crd provider missing=()
  for entry in "${REQUIRED_CRDS[@]}"; do
    crd="${entry%%:*}"
    provider="${entry#*:}"
    if ! kubectl get crd "$crd" >/dev/null 2>&1; then
      missing+=("$crd (install $provider)")
    fi
  done
  if ((${#missing[@]} > 0)); then
    die "the cluster lacks custom resource definitions the manifests use: ${missing[*]}"
  fi
}

validate_namespace() {
  [[ "$NAMESPACE" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] ||
    die "invalid namespace '$NAMESPACE': use lower-case letters, digits and '-' (at most 63)."
}

# Prints a manifest with every reference to the namespace changed to $NAMESPACE: object
# namespaces, the Namespace itself, the namespace the alert rules, dashboards (JSON, hence the
# escaped quotes) and Prometheus discovery filter on, OpsConsole's OPSCONSOLE_NAMESPACES, and
# the names of its cluster-scoped node reader, so two installs never share one.
render_file() {
  local file="$SCRIPT_DIR/$1"
  [[ -f "$file" ]] || die "missing manifest: $file"
  if [[ "$NAMESPACE" == "$DEFAULT_NAMESPACE" ]]; then
    cat "$file"
    return
  fi
  sed \
    -e "s/^\([[:space:]]*namespace:[[:space:]]*\)trading-system[[:space:]]*\$/\1$NAMESPACE/" \
    -e "s/^  name: trading-system\$/  name: $NAMESPACE/" \
    -e "s/namespace=\"trading-system\"/namespace=\"$NAMESPACE\"/g" \
    -e 's/namespace=\\"trading-system\\"/namespace=\\"'"$NAMESPACE"'\\"/g' \
    -e "s/names: \[trading-system\]/names: [$NAMESPACE]/" \
    -e "s/regex: trading-system\$/regex: $NAMESPACE/" \
    -e "s/cluster_namespace: trading-system\$/cluster_namespace: $NAMESPACE/" \
    -e "s/OPSCONSOLE_NAMESPACES: \"trading-system\"/OPSCONSOLE_NAMESPACES: \"$NAMESPACE\"/" \
    -e "s/\.trading-system\.svc/.$NAMESPACE.svc/g" \
    -e "s/opsconsole-node-reader-trading-system\$/opsconsole-node-reader-$NAMESPACE/" \
    "$file"
}

cmd_render() {
  local file
  for file in "${MANIFESTS[@]}"; do
    printf -- '---\n# Source: %s\n' "$file"
    render_file "$file"
  done
}

# secrets.yaml ships with placeholders. Apply it only once real values are in; otherwise the
# Secrets must already exist in the cluster (created with kubectl create secret).
secrets_ready() {
  if ! grep -q "$PLACEHOLDER" "$SCRIPT_DIR/secrets.yaml"; then
    return 0
  fi
  local name missing=()
  for name in "${SECRET_NAMES[@]}"; do
    kubectl -n "$NAMESPACE" get secret "$name" >/dev/null 2>&1 || missing+=("$name")
  done
  if ((${#missing[@]} == 0)); then
    log "secrets.yaml still holds placeholders; keeping the Secrets already in the cluster"
    return 1
  fi
  if [[ "$DRY_RUN" == true ]]; then
    warn "Secrets missing from the cluster: ${missing[*]}; a real deploy stops here"
    return 0
  fi
  die "Secrets missing from the cluster: ${missing[*]}, and secrets.yaml still holds placeholders. Put real values in secrets.yaml or create the Secrets (see the comments in secrets.yaml)."
}

apply_file() {
  local file="$1" args=(apply --filename -)
  [[ "$DRY_RUN" == true ]] && args+=(--dry-run=server)
  log "applying $file$(dry_note)"
  render_file "$file" | kubectl "${args[@]}"
}

cmd_deploy() {
  require_cluster
  require_crds
  local file
  for file in "${MANIFESTS[@]}"; do
    if [[ "$file" == secrets.yaml ]] && ! secrets_ready; then
      continue
    fi
    apply_file "$file"
  done
  if [[ "$DRY_RUN" == true ]]; then
    log "dry run complete: the API server accepted every object; nothing was changed"
    return
  fi
  cmd_verify
  log "deployed to namespace $NAMESPACE"
}

cmd_verify() {
  require_cluster
  local workloads workload failed=()
  workloads="$(kubectl -n "$NAMESPACE" get deployments,statefulsets \
    -l 'app.kubernetes.io/part-of in (trading-system,opsconsole)' -o name)"
  [[ -n "$workloads" ]] || die "no Deployments or StatefulSets found in namespace $NAMESPACE; run deploy first"
  while IFS= read -r workload; do
    log "waiting for $workload"
    if ! kubectl -n "$NAMESPACE" rollout status "$workload" --timeout="$TIMEOUT"; then
      failed+=("$workload")
    fi
  done <<<"$workloads"
  if ((${#failed[@]} > 0)); then
    die "not rolled out within $TIMEOUT: ${failed[*]}. See './deploy.sh status' and 'kubectl -n $NAMESPACE get events --sort-by=.lastTimestamp'."
  fi
  log "all workloads in $NAMESPACE are rolled out"
}

cmd_status() {
  require_cluster
  run_or_print kubectl -n "$NAMESPACE" get \
    deployments,statefulsets,pods,services,ingresses,hpa,pvc,cronjobs,jobs -o wide
}

cmd_logs() {
  (($# <= 1)) || die "usage: $(basename "$0") logs [DEPLOYMENT]"
  local deployment="${1:-trading-api-service}"
  require_cluster
  # --all-pods: without it kubectl picks one pod of the Deployment (needs kubectl 1.30+).
  run_or_print kubectl -n "$NAMESPACE" logs "deployment/$deployment" \
    --all-pods --all-containers --prefix --tail=200
}

cmd_port_forward() {
  (($# == 2)) || die "usage: $(basename "$0") port-forward SERVICE PORT (e.g. port-forward grafana 3000)"
  local service="$1" port="$2"
  [[ "$port" =~ ^[0-9]+(:[0-9]+)?$ ]] || die "invalid port '$port': use PORT or LOCAL:REMOTE"
  require_cluster
  log "forwarding localhost:${port%%:*} to service $service (Ctrl-C stops)"
  run_or_print kubectl -n "$NAMESPACE" port-forward "service/$service" "$port"
}

cmd_rollback() {
  require_cluster
  local deployments=("$@") deployment args
  ((${#deployments[@]} > 0)) || deployments=("${TRADING_DEPLOYMENTS[@]}")
  for deployment in "${deployments[@]}"; do
    args=(-n "$NAMESPACE" rollout undo "deployment/$deployment")
    [[ "$DRY_RUN" == true ]] && args+=(--dry-run=server)
    log "rolling back deployment/$deployment$(dry_note)"
    kubectl "${args[@]}"
    if [[ "$DRY_RUN" != true ]]; then
      kubectl -n "$NAMESPACE" rollout status "deployment/$deployment" --timeout="$TIMEOUT"
    fi
  done
}

main() {
  local command="" args=()
  while (($# > 0)); do
    case "$1" in
      -n | --namespace)
        (($# >= 2)) || die "$1 needs a value"
        NAMESPACE="$2"
        shift 2
        ;;
      --namespace=*)
        NAMESPACE="${1#*=}"
        shift
        ;;
      --dry-run)
        DRY_RUN=true
        shift
        ;;
      --timeout)
        (($# >= 2)) || die "$1 needs a value"
        TIMEOUT="$2"
        shift 2
        ;;
      -h | --help)
        command="help"
        shift
        ;;
      -*)
        die "unknown option: $1 (see '$(basename "$0") help')"
        ;;
      *)
        if [[ -z "$command" ]]; then
          command="$1"
        else
          args+=("$1")
        fi
        shift
        ;;
    esac
  done
  validate_namespace

  case "$command" in
    deploy) cmd_deploy ;;
    verify) cmd_verify ;;
    status) cmd_status ;;
    logs) cmd_logs "${args[@]}" ;;
    port-forward) cmd_port_forward "${args[@]}" ;;
    rollback) cmd_rollback "${args[@]}" ;;
    render) cmd_render ;;
    help) usage ;;
    "")
      usage >&2
      exit 2
      ;;
    *)
      printf "error: unknown command '%s' (see '%s help')\n" "$command" "$(basename "$0")" >&2
      exit 2
      ;;
  esac
}

main "$@"
