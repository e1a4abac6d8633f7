# Where the CPU build of torch comes from: a local wheel folder if this machine has one
# (FOODCAP_TORCH_WHEELS, default /opt/wheels), else PyTorch's CPU index.
wheels=${FOODCAP_TORCH_WHEELS:-/opt/wheels}
if compgen -G "$wheels/torch-2.13.0+cpu-*.whl" >/dev/null; then
  TORCH_SOURCE=(--find-links "$wheels")
else
  TORCH_SOURCE=(--extra-index-url https://download.pytorch.org/whl/cpu)
fi
