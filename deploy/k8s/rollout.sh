#!/bin/sh
# Rolls the service out to the current kubectl context:
#   deploy/k8s/rollout.sh ghcr.io/<owner>/<repo>:<commit sha>     (or <name>@sha256:<digest>)
# 1. runs the release Job (migrate + check --deploy) with the new image and waits until it has
#    completed, stopping as soon as it has failed;
# 2. only then updates the API, worker, beat and ingress, and waits for the rollouts.
# A failed release stops here: the running version keeps serving, untouched.
# Needs kubectl (with kustomize built in) and the Secret catalog-secrets (see config.yaml).
# With ROLLOUT_LIBRARY=1 it only defines its functions (the tests source it that way).
set -eu

# The image the manifests name (kustomization.yaml: a placeholder tag, never `latest`); every
# rendered manifest has it replaced, whatever its tag.
PLACEHOLDER=ghcr.io/example/catalog-service
# Longer than the Job's activeDeadlineSeconds (900), after which Kubernetes marks it Failed.
RELEASE_TIMEOUT_SECONDS="${RELEASE_TIMEOUT_SECONDS:-960}"
POLL_SECONDS="${POLL_SECONDS:-5}"

# The tag (or sha256:... digest) of an image reference; fails when it has neither. A tag is
# what follows the last colon of the last path segment: in registry:5000/catalog that colon
# belongs to the registry's port, and the image has no tag.
image_version() {
  case "$1" in
    *@?*) echo "${1#*@}"; return 0 ;;
  esac
  last="${1##*/}"
  case "$last" in
    *:?*) echo "${last##*:}" ;;
    *) return 1 ;;
  esac
}

# The image reference without its tag or digest.
image_name() {
  case "$1" in
    *@*) echo "${1%%@*}"; return 0 ;;
  esac
  version="$(image_version "$1")" || { echo "$1"; return 0; }
  echo "${1%:"$version"}"
}

# Waits for the release Job to complete (0) or to fail (1), whichever comes first, for at most
# $1 seconds. `kubectl wait` takes a single condition: waiting for Complete alone sat out its
# whole timeout after a failure. Other conditions (FailureTarget, SuccessCriteriaMet) only
# precede these two.
release_wait() {
  deadline=$(($(date +%s) + $1))
  while :; do
    conditions="$(kubectl get job/catalog-release \
      -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')" ||
      conditions=""  # the API server may fail a request now and then: ask again
    case " $conditions" in
      *" Complete "*) return 0 ;;
      *" Failed "*) echo "release Job failed" >&2; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "release Job still running after $1 s" >&2
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
}

render() {
  # $1: kustomization folder, $2: image; prints the manifests with the image replaced.
  kubectl kustomize "$1" | sed "s#image: ${PLACEHOLDER}:[^[:space:]]*\$#image: $2#"
}

main() {
  image="${1:?usage: rollout.sh IMAGE (e.g. ghcr.io/owner/repo:<commit sha>)}"
  if ! version="$(image_version "$image")"; then
    echo "rollout.sh: $image has no tag: give the commit sha (${image}:<sha>) or a digest" >&2
    exit 2
  fi
  echo "Rolling out $(image_name "$image") at $version"
  cd "$(dirname "$0")"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT

  render release "$image" > "$work/release.yaml"
  render . "$image" > "$work/app.yaml"

  kubectl apply -f config.yaml
  kubectl delete job catalog-release --ignore-not-found --wait=true
  kubectl apply -f "$work/release.yaml"
  if ! release_wait "$RELEASE_TIMEOUT_SECONDS"; then
    kubectl logs job/catalog-release --tail=100 || true
    echo "release failed: nothing else was changed" >&2
    exit 1
  fi
  kubectl logs job/catalog-release --tail=20 || true

  kubectl apply -f "$work/app.yaml"
  kubectl rollout status deployment/catalog-api --timeout=600s
  kubectl rollout status deployment/catalog-worker --timeout=600s
  kubectl rollout status deployment/catalog-beat --timeout=600s
}

if [ "${ROLLOUT_LIBRARY:-}" != 1 ]; then
  main "$@"
fi
