#!/usr/bin/env bash
# build-image.sh — one `docker build` of `make images`, showing what it does:
#
#   build-image.sh [--component NAME] -f DOCKERFILE -t NAME:TAG [--build-arg K=V ...] CONTEXT
#
# It prints the command, lets docker show every build step (nothing is
# silenced), labels the image (org.opencontainers.image.title/version/
# revision/source/description and org.wso2-container.component), and after
# a rebuild removes the image the tag pointed to before when nothing else
# uses it, so that no dangling image is left behind. The image's labels
# change only with the version (git describe), so an unchanged rebuild is
# the same image.
#
# Environment: DOCKER (docker), VERSION (git describe --tags --always --dirty).
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER=${DOCKER:-docker}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)

component= tag= dockerfile= args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--component) component=$2; shift 2 ;;
	-t) tag=$2; args+=(-t "$2"); shift 2 ;;
	-f) dockerfile=$2; args+=(-f "$2"); shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
if [[ -z $tag || -z $dockerfile || ${#args[@]} -eq 0 ]]; then
	echo "build-image: usage: build-image.sh [--component NAME] -f DOCKERFILE -t NAME:TAG [docker build flags] CONTEXT" >&2
	exit 64
fi
name=${tag%:*}
component=${component:-${name##*/}}

old=$("$DOCKER" image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
labels=(
	--label "org.opencontainers.image.title=$name"
	--label "org.opencontainers.image.description=WSO2 $component image, the agent as PID 1 (built by make images from $dockerfile)"
	--label "org.opencontainers.image.version=$VERSION"
	--label "org.opencontainers.image.revision=$REVISION"
	--label "org.opencontainers.image.source=https://github.com/wso2-container/agent"
	--label "org.wso2-container.component=$component"
)
echo "==> build-image: $tag ($component) from $dockerfile"
echo "    $DOCKER build ${args[*]}"
start=$SECONDS
"$DOCKER" build "${labels[@]}" "${args[@]}"
new=$("$DOCKER" image inspect -f '{{.Id}}' "$tag")
note=""
if [[ -n $old && $old != "$new" ]]; then
	# The tag moved: the old image is dangling unless another tag or a
	# container still uses it.
	if [[ $("$DOCKER" image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null || echo 1) == 0 ]]; then
		if "$DOCKER" image rm "$old" >/dev/null 2>&1; then
			note="; removed the previous image ${old:7:12}"
		else
			note="; the previous image ${old:7:12} is still used by a container (docker image prune removes it later)"
		fi
	fi
elif [[ $old == "$new" ]]; then
	note="; unchanged"
fi
echo "==> build-image: $tag is ${new:7:12}, built in $((SECONDS - start))s$note"
