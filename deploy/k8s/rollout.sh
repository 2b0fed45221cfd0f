#!/bin/sh
# Rolls the service out to the current kubectl context:
#   deploy/k8s/rollout.sh ghcr.io/<owner>/<repo>:<commit sha>
# 1. runs the release Job (migrate + check --deploy) with the new image and waits for it;
# 2. only then updates the API, worker and beat, and waits for the API rollout.
# A failed release stops here: the running version keeps serving, untouched.
# Needs kubectl (with kustomize built in) and the Secret catalog-secrets (see config.yaml).
set -eu
cd "$(dirname "$0")"
image="${1:?usage: rollout.sh IMAGE (e.g. ghcr.io/owner/repo:<sha>)}"
name="${image%:*}"
tag="${image##*:}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

render() {
  # $1: kustomization folder; prints it with the image replaced.
  kubectl kustomize "$1" | sed "s#image: ghcr.io/example/catalog-service:latest#image: ${name}:${tag}#"
}

render release > "$work/release.yaml"
render . > "$work/app.yaml"

kubectl apply -f config.yaml
kubectl delete job catalog-release --ignore-not-found --wait=true
kubectl apply -f "$work/release.yaml"
if ! kubectl wait --for=condition=complete job/catalog-release --timeout=900s; then
  kubectl logs job/catalog-release --tail=100 || true
  echo "release failed: nothing else was changed" >&2
  exit 1
fi
kubectl logs job/catalog-release --tail=20 || true

kubectl apply -f "$work/app.yaml"
kubectl rollout status deployment/catalog-api --timeout=600s
kubectl rollout status deployment/catalog-worker --timeout=600s
kubectl rollout status deployment/catalog-beat --timeout=600s
