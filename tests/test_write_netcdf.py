"""bayesreg.files.write_netcdf: the same file as xarray's own to_netcdf, without importing distributed."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from bayesreg.files import write_netcdf

ROOT = Path(__file__).resolve().parent.parent


def _tree():
    rng = np.random.default_rng(0)
    post = xr.Dataset({"coef": (("chain", "draw", "feature"), rng.normal(size=(2, 5, 3)))},
                      coords={"feature": ["a", "b", "c"]}, attrs={"sampler": "nutpie"})
    return xr.DataTree.from_dict({"/": xr.Dataset(attrs={"format": "x"}), "/posterior": post})


def test_same_content_as_xarrays_own_write(tmp_path):
    tree = _tree()
    write_netcdf(tree, tmp_path / "ours.nc")
    tree.to_netcdf(tmp_path / "theirs.nc", engine="h5netcdf")
    ours = xr.open_datatree(tmp_path / "ours.nc", engine="h5netcdf").load()
    theirs = xr.open_datatree(tmp_path / "theirs.nc", engine="h5netcdf").load()
    assert ours.identical(theirs)
    assert ours.identical(tree)


def test_fresh_process_does_not_import_distributed_and_leaves_no_mark(tmp_path):
    code = f"""
import json, sys
import numpy as np, xarray as xr
from bayesreg.files import write_netcdf
t = xr.DataTree.from_dict({{"/a": xr.Dataset({{"v": ("x", np.arange(3.0))}})}})
write_netcdf(t, {str(tmp_path / "f.nc")!r})
print(json.dumps({{"loaded": "distributed" in sys.modules,
                  "marks": [n for n in ("distributed", "dask.distributed") if n in sys.modules]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"loaded": False, "marks": []}
    back = xr.open_datatree(tmp_path / "f.nc", engine="h5netcdf").load()
    np.testing.assert_array_equal(back["a"]["v"].values, np.arange(3.0))


def test_a_failed_write_removes_the_mark(tmp_path):
    if "distributed" in sys.modules:  # then no mark is set at all: nothing to check here
        return
    try:
        write_netcdf(_tree(), tmp_path / "missing-folder" / "f.nc")
    except (OSError, ValueError):
        pass
    else:  # pragma: no cover
        raise AssertionError("writing into a missing folder should fail")
    assert "distributed" not in sys.modules and "dask.distributed" not in sys.modules
