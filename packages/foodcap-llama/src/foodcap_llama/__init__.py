"""foodcap-llama: ViT + Llama 3.2 captioners with a visual prefix and LoRA; registered from plugin.py."""
