"""Records which Trainer options PyTorch Lightning refuses for a module in manual
optimization, and with what message, as Tests/Reference/manual_optimization_refusals.json.

Run: pip install "pytorch-lightning==2.6.*" torch; python3 Tests/Reference/lightning_manual_optimization_refusals.py
The Swift tests replay the file; they never need Python.
"""
import json
import pathlib

import pytorch_lightning as pl
import torch


class ManualModule(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        optimizer = self.optimizers()
        optimizer.zero_grad()
        loss = self.layer(batch[0]).sum()
        self.manual_backward(loss)
        optimizer.step()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def outcome(**trainer_options):
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 2)), batch_size=4)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, **trainer_options)
    try:
        trainer.fit(ManualModule(), data)
    except Exception as error:  # Lightning's MisconfigurationException
        return {"refused": True, "message": str(error), "steps": trainer.global_step}
    return {"refused": False, "steps": trainer.global_step}


cases = {
    "gradient_clip_val=0.5": outcome(gradient_clip_val=0.5),
    "gradient_clip_val=0": outcome(gradient_clip_val=0),
    "accumulate_grad_batches=2": outcome(accumulate_grad_batches=2),
    "accumulate_grad_batches=1": outcome(accumulate_grad_batches=1),
}
path = pathlib.Path(__file__).with_name("manual_optimization_refusals.json")
path.write_text(json.dumps({"lightning": pl.__version__, "torch": torch.__version__, "cases": cases}, indent=2) + "\n")
print(path.read_text())
