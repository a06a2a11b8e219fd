#!/bin/sh
# An interactive shell in a container on a compute node:
#
#   IMAGE=/path/to/app.sqfs JobScripts/interactive.sh [SRUN OPTIONS...]
#   e.g. JobScripts/interactive.sh --time=1:00:00 --gres=gpu:1
#
# runs `srun --pty [SRUN OPTIONS] gourd shell IMAGE`: srun allocates one task (or uses the
# allocation you are in, under salloc) and gives it a terminal; gourd starts the image's
# /bin/bash, else /bin/sh. Exit the shell to end the job. Add --gpu after "shell" for GPUs.
set -eu
GOURD=${GOURD:-gourd}
: "${IMAGE:?set IMAGE to the image to run (a .sqfs or .sif file)}"
exec srun --ntasks=1 --job-name=gourd-shell "$@" --pty "$GOURD" shell "$IMAGE"
