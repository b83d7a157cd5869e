#!/usr/bin/env python3
"""masklab from Python, with nothing but `requests`.

Uploads photos, shows the faces found in them, labels those faces (with --label), classifies the
first photo with the promoted model, and prints the dataset's counts.

    apt-get install python3-requests      # or: pip install requests
    export MASKLAB_URL=http://localhost:3000
    export MASKLAB_TOKEN=mlk_...          # Account -> API tokens, or: npm run cli -- token create <email> --name script
    python3 examples/python/masklab_example.py photo.jpg [more.jpg ...] [--label mask_old]

Every route, its parameters and its answers: GET /api/openapi.json (readable at /api/docs).
An error answer is JSON {"error": "...", "issues": [...]}: this script prints it and exits 1.
"""
import argparse
import os
import sys

import requests

CLASSES = ["mask_old", "mask_young", "nomask_old", "nomask_young"]


class Masklab:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, **kwargs):
        r = self.http.request(method, self.url + path, timeout=300, **kwargs)
        if not r.ok:
            try:
                message = r.json()["error"]
            except (ValueError, KeyError):
                message = r.text[:200]
            raise ApiError(r.status_code, f"{method} {path}: {r.status_code} {message}")
        return r.json()


def where(box):
    return f"{round(box['w'])}x{round(box['h'])} at ({round(box['x'])},{round(box['y'])})"


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+", help="image files (JPEG, PNG, WebP, HEIC) or zip archives")
    parser.add_argument("--label", choices=CLASSES + ["excluded"], help="label every face found with this class")
    args = parser.parse_args()
    url, token = os.environ.get("MASKLAB_URL"), os.environ.get("MASKLAB_TOKEN")
    if not url or not token:
        sys.exit("set MASKLAB_URL (e.g. http://localhost:3000) and MASKLAB_TOKEN (an API token)")
    api = Masklab(url, token)

    me = api.call("GET", "/api/me")["user"]
    print(f"signed in as {me['email']} ({me['role']})")

    # One multipart request; the field is repeated for each file.
    files = [("files", (os.path.basename(p), open(p, "rb"))) for p in args.photos]
    results = api.call("POST", "/api/photos", files=files)["results"]
    face_ids = []
    for r in results:
        if r["status"] == "added":
            faces = api.call("GET", f"/api/photos/{r['photoId']}")["faces"]
            face_ids += [f["id"] for f in faces]
            boxes = ", ".join(where(f) for f in faces)
            print(f"{r['file']}: added, {len(faces)} face(s): {boxes}")
        else:
            print(f"{r['file']}: {r['status']} ({r['reason']})")

    if args.label and face_ids:
        changed = api.call("POST", "/api/labels", json={"faceIds": face_ids, "label": args.label})
        print(f"labelled {len(changed['changed'])} face(s) {args.label}")

    try:
        with open(args.photos[0], "rb") as f:
            prediction = api.call("POST", "/api/predict", files={"image": f})
        for face in prediction["faces"]:
            print(f"predicted {face['label']} ({face['confidence']:.0%}) for the face {where(face['box'])}")
    except ApiError as err:
        if err.status != 409:  # 409: no model is promoted yet
            raise
        print("no model is promoted yet: label faces, then retrain (POST /api/training/retrain)")

    counts = api.call("GET", "/api/dashboard")["counts"]
    per_class = ", ".join(f"{c} {counts['perClass'][c]}" for c in CLASSES)
    print(f"dataset: {counts['total']} faces, {counts['unlabelled']} unlabelled; {per_class}")


if __name__ == "__main__":
    try:
        main()
    except ApiError as err:
        sys.exit(str(err))
    except requests.ConnectionError as err:
        sys.exit(f"cannot reach {os.environ.get('MASKLAB_URL')}: {err}")
