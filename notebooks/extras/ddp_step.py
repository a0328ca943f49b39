"""One step of data-parallel training with PyTorch's DistributedDataParallel, for the
moving-on notebook (notebooks/extras/moving_on_to_pytorch.ipynb, section 7).

torchrun starts one process per copy of the model and tells each its rank:

    torchrun --nproc_per_node=2 ddp_step.py model.npz batch.npz out.pt

The three files:

- ``model.npz``: an nnbook language model written by ``model.save`` (the notebook's: an
  ``Embedding``, modern blocks and an ``Unembedding``, float64);
- ``batch.npz``: one batch written by ``np.savez(path, x=x, y=y)``, two integer arrays of
  the same shape ``(m, T)``: ``x`` the token ids of m windows, ``y`` each window's next
  token at every position (``nb.data.token_windows``' pair); the rows are split between
  the processes in order (``np.array_split``), so m ≥ the number of processes;
- ``out.pt``: written by rank 0, the model's ``state_dict`` after the step (``torch.save``),
  for ``net.load_state_dict(torch.load(out.pt))`` or ``nb.from_torch``.

Every process reads the same nnbook model (so the same weights) and the same batch, keeps
its own share of the rows, and DDP averages the gradients over the processes during
backward, so every copy takes the same optimizer step. Rank 0 saves the weights.
"""

import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

import nnbook as nb


def main(model_path, batch_path, out_path, lr=0.1):
    dist.init_process_group("gloo")                  # CPU; torchrun sets RANK, WORLD_SIZE
    rank, world = dist.get_rank(), dist.get_world_size()
    net = nb.to_torch(nb.load_model(model_path))     # the same weights in every process
    ddp = DistributedDataParallel(net)
    batch = np.load(batch_path)
    x, y = (torch.from_numpy(np.array_split(batch[k], world)[rank]) for k in ("x", "y"))
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    logits = ddp(x)                                  # (rows of this rank, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    loss.backward()                                  # all-reduce: the mean over ranks
    optimizer.step()
    print(f"rank {rank} of {world}: {len(x)} rows, loss {loss.item():.4f}", flush=True)
    if rank == 0:
        torch.save(net.state_dict(), out_path)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:4])
