"""Decoding and preprocessing images in worker processes while the model runs, within a memory budget.

- ``loading``: DataLoaders of decoded batches for captioning and training
- ``prefetch``: how many decoded batches may wait, bounded by bytes and /dev/shm
"""

from .loading import CaptionCollate, DecodedBatch, TrainingCollate, batch_loader

__all__ = ["CaptionCollate", "DecodedBatch", "TrainingCollate", "batch_loader"]
