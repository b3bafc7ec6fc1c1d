#!/usr/bin/env bash
# Captures the protobuf bodies real kubectl sends for `kubectl create …` (the sandbox keeps
# them when OPSCONSOLE_SANDBOX_CAPTURE_PROTOBUF names a directory), and next to each the JSON
# kubectl itself prints for the same command with --dry-run=client -o json: the decoder's test
# data in tests/sandbox/kubectl_bodies/. Run from the repository root:
#     scripts/capture_kubectl_bodies.sh [OUT_DIR] [PORT]
set -euo pipefail
out=${1:-tests/sandbox/kubectl_bodies}
port=${2:-17643}
work=$(mktemp -d)
mkdir -p "$out"
OPSCONSOLE_SANDBOX_CAPTURE_PROTOBUF="$work/cap" PYTHONPATH=$PWD .venv/bin/python -m opsconsole.sandbox \
    --port "$port" --kubeconfig "$work/kc" --seed /nonexistent >"$work/log" 2>&1 &
sandbox=$!
trap 'kill $sandbox; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "ready at" "$work/log" 2>/dev/null && break; sleep 0.2; done
printf 'bin\000\377\001' >"$work/binfile"

# cap NAME ARGS…: dry-run JSON first (nothing is created), then the real create.
cap() {
    local name=$1
    shift
    rm -rf "$work/cap"
    if [ "$name" != tokenrequest ]; then # create token has no --dry-run
        local args=() seen=""
        for a in "$@"; do # the flags go before a `--` that starts the container's command
            if [ "$a" = "--" ] && [ -z "$seen" ]; then args+=(--dry-run=client -o json); seen=1; fi
            args+=("$a")
        done
        [ -n "$seen" ] || args+=(--dry-run=client -o json)
        .venv/bin/kubectl --kubeconfig "$work/kc" "${args[@]}" >"$out/$name.json"
    fi
    .venv/bin/kubectl --kubeconfig "$work/kc" "$@" >/dev/null
    mv "$work"/cap/*.pb "$out/$name.pb"
}
cap namespace create namespace demo
cap deployment -n demo create deployment web --image=registry.local/web:1 \
    --image=registry.local/side:2 --replicas=0 --port=8080
cap service-clusterip -n demo create service clusterip web --tcp=80:8080 --tcp=443:http
cap service-nodeport -n demo create service nodeport np --tcp=80:8080 --node-port=30080
cap service-loadbalancer -n demo create service loadbalancer lb --tcp=443:8443
cap service-externalname -n demo create service externalname ext --external-name=db.example.com
cap role -n demo create role reader --verb=get,list --resource=pods,deployments.apps --resource-name=x
cap rolebinding -n demo create rolebinding rb --role=reader --user=alice \
    --serviceaccount=demo:default --group=ops
cap clusterrole create clusterrole cr --verb=get --non-resource-url=/healthz
cap clusterrole-aggregated create clusterrole agg --aggregation-rule=foo=bar
cap clusterrolebinding create clusterrolebinding crb --clusterrole=cr --user=bob
cap quota -n demo create quota q --hard=cpu=2,memory=4Gi,pods=10,requests.nvidia.com/gpu=1 \
    --scopes=NotTerminating
cap priorityclass create priorityclass high --value=-5 --description=high --preemption-policy=Never
cap pdb-min-available -n demo create pdb pdb --selector=app=web --min-available=50%
cap pdb-max-unavailable -n demo create poddisruptionbudget pdb2 --selector=app=web --max-unavailable=1
cap ingress -n demo create ingress ing --rule="foo.com/bar*=web:80,tls=my-cert" \
    --rule="/path=web:http" --class=nginx --annotation=a=b --default-backend=web:80
cap serviceaccount -n demo create serviceaccount sa
cap tokenrequest -n demo create token sa --duration=2h --audience=api --audience=vault \
    --bound-object-kind=Secret --bound-object-name=s --bound-object-uid=0b5c
cap hpa -n demo autoscale deployment web --min=1 --max=5 --cpu=70%
cap job -n demo create job j --image=registry.local/etl:2 -- echo hi
cap cronjob -n demo create cronjob cj --image=registry.local/etl:2 --schedule="*/5 * * * *" -- date
cap job-from-cronjob -n demo create job j2 --from=cronjob/cj
cap configmap -n demo create configmap cm --from-literal=a=b --from-file=bin="$work/binfile"
cap secret-generic -n demo create secret generic s --from-literal=a=b --from-file=bin="$work/binfile"
cap secret-docker-registry -n demo create secret docker-registry dr --docker-server=r \
    --docker-username=u --docker-password=p
ls "$out"
