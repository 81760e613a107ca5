"""The starter notebook runs top to bottom in a real Jupyter kernel, on a small population."""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.mark.slow
def test_start_here_notebook_runs_top_to_bottom(root, tmp_path, monkeypatch):
    path = root / "experiments" / "notebooks" / "start_here.ipynb"
    nb = nbformat.read(path, as_version=4)
    small = {"TALENTSIM_NOTEBOOK_AGENTS": "1000", "TALENTSIM_NOTEBOOK_YEARS": "1", "TALENTSIM_NOTEBOOK_SEEDS": "2",
             "TALENTSIM_NOTEBOOK_WORKERS": "1", "TALENTSIM_NOTEBOOK_MORRIS": "2",
             "TALENTSIM_NOTEBOOK_OUT": str(tmp_path)}
    for key, value in small.items():
        monkeypatch.setenv(key, value)  # the kernel inherits this process's environment
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel show figures inline
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    stored = list(tmp_path.glob("start_here-1000agents-1y-2seeds/parts/*.csv"))
    assert stored, "the sweep wrote no store"
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the heat map and the Morris chart
