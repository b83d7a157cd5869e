"""Reads a masklab dataset export as Python loaders do, and prints what they saw as JSON (tests/db/export.test.ts).

usage: python3 export_loaders.py <export.zip>

- torchvision ImageFolder on each split folder (train/, val/, test/): class_to_idx and the sample count;
- labels.json and classes.txt from the archive's root;
- pandas.read_csv on each split's metadata.csv (Hugging Face imagefolder metadata): row count, columns, and
  whether every file_name (relative to the csv) exists and lies in its label's folder.
"""
import json
import os
import sys
import tempfile
import zipfile

import inspect

import pandas as pd
from torchvision.datasets import ImageFolder, folder


def image_folder(path: str) -> ImageFolder:
    """ImageFolder on a split whose classes may be empty folders (a class with no face in that split)."""
    if "allow_empty" in inspect.signature(ImageFolder).parameters:  # torchvision 0.17 and later
        return ImageFolder(path, allow_empty=True)

    class Folder(ImageFolder):  # older ones refuse an empty class folder: list the samples of the others
        @staticmethod
        def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None):
            present = {c: i for c, i in class_to_idx.items() if any(os.scandir(os.path.join(directory, c)))}
            return folder.make_dataset(directory, present, extensions, is_valid_file)

    return Folder(path)


def main(archive: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        with zipfile.ZipFile(archive) as z:
            z.extractall(root)
        out = {"splits": {}}
        for split in ("train", "val", "test"):
            if not os.path.isdir(os.path.join(root, split)):
                continue
            ds = image_folder(os.path.join(root, split))
            out["splits"][split] = {"class_to_idx": ds.class_to_idx, "samples": len(ds.samples), "targets": sorted(set(ds.targets))}
        with open(os.path.join(root, "labels.json")) as f:
            out["labels"] = json.load(f)
        with open(os.path.join(root, "classes.txt")) as f:
            out["classes"] = f.read().splitlines()
        metas = []
        for split in out["splits"]:
            meta = pd.read_csv(os.path.join(root, split, "metadata.csv"))
            meta["path"] = [os.path.join(root, split, p) for p in meta["file_name"]]
            metas.append(meta)
        meta = pd.concat(metas)
        out["metadata"] = {
            "rows": int(len(meta)),
            "columns": [c for c in meta.columns if c != "path"],
            "missing_files": [p for p in meta["path"] if not os.path.isfile(p)],
            "labels_match_folders": bool((meta["file_name"].str.split("/").str[0] == meta["label"]).all()),
        }
        print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
