"""deploy/: every overlay renders with kubectl's kustomize and every object validates against the
Kubernetes schemas (kubernetes-validate, strict: unknown fields fail), plus the rules the manifests
exist for: no ConfigMap a later ``apply -k`` could overwrite, GPUs requested where encoders need them,
one image for scheduler and workers, shared storage mounted read-write by every worker."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
OVERLAYS = {"cpu": (None, "none"), "nvidia": ("nvidia.com/gpu", "nvenc"), "vaapi": ("amd.com/gpu", "vaapi")}
#: Oldest Kubernetes release the manifests promise to validate against, and the newest the validator knows.
K8S_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())


def render(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl not found: the README's test command installs Debian's kubernetes-client"
    out = subprocess.run([kubectl, "kustomize", str(DEPLOY / "overlays" / overlay)], capture_output=True,
                         text=True, check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def overlay(request) -> tuple[str, list[dict]]:
    return request.param, render(request.param)


def test_every_object_validates_against_the_schemas(overlay):
    name, objects = overlay
    assert {o["kind"] for o in objects} == {"Namespace", "PersistentVolume", "PersistentVolumeClaim",
                                            "Deployment", "Service"}
    for obj in objects:
        for version in K8S_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)


def test_no_configmap_and_settings_live_in_the_workload(overlay):
    name, objects = overlay
    assert not [o for o in objects if o["kind"] in ("ConfigMap", "Secret")]
    assert "ConfigMap" not in yaml.safe_dump_all(objects)  # nor referenced (envFrom / volumes)
    worker = by_kind(objects, "Deployment")["dask-worker"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in worker["env"]}
    assert env["FFMPEG_HWACCEL"] == OVERLAYS[name][1]


def test_workers_reach_the_scheduler_and_share_one_image(overlay):
    name, objects = overlay
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    scheduler = deployments["dask-scheduler"]["spec"]["template"]["spec"]["containers"][0]
    worker = deployments["dask-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert scheduler["image"] == worker["image"] and not worker["image"].endswith(":latest")
    port = next(p["port"] for p in services["dask-scheduler"]["spec"]["ports"] if p["name"] == "tcp-comm")
    assert f"tcp://dask-scheduler:{port}" in worker["command"]
    selector = services["dask-scheduler"]["spec"]["selector"]
    labels = deployments["dask-scheduler"]["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    for container in (scheduler, worker):
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), (container["name"], kind)


def test_gpu_requests_follow_the_encoder(overlay):
    name, objects = overlay
    resource = OVERLAYS[name][0]
    spec = by_kind(objects, "Deployment")["dask-worker"]["spec"]["template"]["spec"]
    limits = spec["containers"][0]["resources"]["limits"]
    gpus = {k for k in limits if k.endswith("/gpu")}
    assert gpus == ({resource} if resource else set())
    if resource:
        assert limits[resource] == 1 and spec.get("nodeSelector")
    scheduler_limits = by_kind(objects, "Deployment")["dask-scheduler"]["spec"]["template"]["spec"]["containers"][0]
    assert not {k for k in scheduler_limits["resources"]["limits"] if k.endswith("/gpu")}


def test_shared_storage_is_mounted_by_every_worker(overlay):
    name, objects = overlay
    pv = by_kind(objects, "PersistentVolume")["montage-nfs"]
    pvc = by_kind(objects, "PersistentVolumeClaim")["montage-media"]
    assert "namespace" not in pv["metadata"] and pvc["metadata"]["namespace"] == "montage-ai"
    assert pv["spec"]["accessModes"] == pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["volumeName"] == "montage-nfs" and pv["spec"]["nfs"]["path"]
    spec = by_kind(objects, "Deployment")["dask-worker"]["spec"]["template"]["spec"]
    volume = next(v for v in spec["volumes"] if v.get("persistentVolumeClaim"))
    assert volume["persistentVolumeClaim"]["claimName"] == "montage-media"
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == "/mnt/nfs-montage" and not mount.get("readOnly")


def test_a_typo_in_a_manifest_fails_validation():
    worker = next(o for o in render("cpu") if o["metadata"]["name"] == "dask-worker")
    worker["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # "resources" misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, K8S_VERSIONS[0], strict=True)
