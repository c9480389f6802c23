"""Images (section 8: build 8.2, delete 8.3, list 8.4, pre-upload 8.5, push 8.6) and datasets (section 10: create,
register a file, list, delete) in the simulator, over HTTP, as the document shows them."""

import json
from typing import Any

from tests.contract.aispace.case import ALPHA, V1, AISpaceSim, package
from tests.contract.support import unique_name


def build_body(sim: AISpaceSim, **change: Any) -> dict[str, Any]:
    """The 8.2 example's body (every field is required)."""
    return {
        "project": sim.config.project_id, "image_type": "基础镜像构建",
        "base_image": "image.cestc.cn/iaas_pub/ubuntu-gpu:cuda11.8.0-cudnn8-pyton3.9", "consecutive_build": True,
        "volume_mount": "/mnt/1841132031866568705", "describe": "test",
        "target_image": "cke-public-ccr.registry.region1.cecstackzsarm.cn/library/1841132031866568705:2024.07.12.1",
        "resourceId": package(sim, "standardCpu")["resourceId"], "specCode": "standardCpu",
        "resource_memory": "4", "resource_cpu": "2", "resource_gpu": "0", "exclusive": "",
    } | change  # fmt: skip


def images(sim: AISpaceSim, **form: Any) -> dict[str, Any]:
    form_data = {"str_related": "1", "page": 0, "page_size": 10, "filters": []} | form
    return sim.ok("GET", f"{ALPHA}/images_modelview/api/", query={"form_data": json.dumps(form_data)})


def test_an_image_build_answers_its_record_and_is_deleted_as_type_4(sim: AISpaceSim) -> None:
    built = sim.ok("POST", f"{V1}/docker_modelview/api/", body=build_body(sim))
    assert built["code"] == "Success" and built["data"]["status"] == 0
    result = built["data"]["result"]
    assert set(result) == {"id", "base_image", "consecutive_build", "describe", "dockerfile", "expand", "image_type",
                           "project", "target_image"}
    assert (result["project"], result["dockerfile"], result["consecutive_build"]) == (sim.config.project_id, "", True)
    expand = json.loads(result["expand"])
    assert expand == {"volume_mount": "/mnt/1841132031866568705", "resource_memory": "4G", "resource_cpu": "2",
                      "resource_gpu": "0", "namespace": "jupyter"}

    deleted = sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(result["id"]), "type": "4"})
    record = deleted["data"]["result"]
    assert record["id"] == result["id"] and record["project_id"] == sim.config.project_id
    assert record["need_gpu"] is False and {"changed_on", "created_on", "entrypoint", "last_image"} <= set(record)
    again = sim.call("DELETE", f"{V1}/deleteInstance", query={"id": str(result["id"]), "type": "4"})
    assert again.status_code == 404 and again.json()["code"] == "ResourceNotFound"


def test_a_build_missing_a_required_field_is_refused(sim: AISpaceSim) -> None:
    body = build_body(sim)
    del body["target_image"]
    refused = sim.call("POST", f"{V1}/docker_modelview/api/", body=body)
    assert refused.status_code == 400 and "target_image" in refused.json()["message"]


def test_the_image_list_has_the_preset_images_newest_first_with_its_columns(sim: AISpaceSim) -> None:
    answer = images(sim, filters=[{"col": "isPreset", "opr": "eq", "value": True}])
    assert answer["status"] == 0 and answer["message"] == "success"  # envelope B
    page = answer["result"]
    ids = [row["id"] for row in page["data"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == 373
    first = page["data"][0]
    assert first["key"] == "ascend-llm-trainer:v0.1-20240529" and first["gpu_type_ch"] == "华为昇腾"
    assert set(first) == {"creator", "gpu_type", "gpu_type_ch", "id", "image_type", "images_url", "isPreset", "key",
                          "modified", "project", "title"}
    assert page["order_columns"] == ["id"] and "images_url" in page["list_columns"]


def test_a_custom_image_is_pre_uploaded_then_pushed_and_listed(sim: AISpaceSim) -> None:
    name = f"{unique_name('img')}:v1"
    registered = sim.ok("POST", f"{V1}/images/preUpload",
                        body={"projectName": "library", "imageName": name, "abortController": {}})["data"]
    assert registered["projectName"] == "library" and registered["instanceId"].startswith("ccr-")
    push = f"{V1}/instances/{registered['instanceId']}/projects/library/push"
    pushed = sim.ok("POST", push, body={"hash_md5": "", "image_name": name, "upload_id": "77e9f31cab29348f"})
    assert pushed["data"] == {"status": "Pushing"}
    mine = images(sim, filters=[{"col": "isPreset", "opr": "eq", "value": False}])["result"]["data"]
    assert [row["key"] for row in mine] == [name]
    never_registered = sim.call("POST", f"{V1}/instances/ccr-nothing/projects/library/push",
                                body={"hash_md5": "", "image_name": name, "upload_id": "x"})
    assert never_registered.status_code == 404


def dataset_body(sim: AISpaceSim, name: str) -> dict[str, Any]:
    """The 10.1 example's body."""
    return {"name": name, "describe": "dddd", "label": "", "sourceType": "text", "source": "", "status": "",
            "downloadUrl": f"/mnt/{sim.config.project_id}/{name}/v2", "markStatus": "2", "clearStatus": "",
            "projectId": sim.config.project_id, "version": "v2", "storageType": 0}


def datasets(sim: AISpaceSim, name: str, path: str = f"{V1}/dataset/page") -> list[dict[str, Any]]:
    form = {"filters": [{"col": "name", "opr": "eq", "value": name}], "str_relate": 1, "page": 0, "page_size": 10}
    return sim.ok("GET", path, body=form)["data"]["data"]


def test_a_dataset_is_created_found_by_name_given_files_and_deleted(sim: AISpaceSim) -> None:
    name = unique_name("ds")
    assert sim.ok("POST", f"{V1}/dataset/insert", body=dataset_body(sim, name))["data"] is True  # no id
    (row,) = datasets(sim, name)
    assert (row["name"], row["version"], row["markStatus"]) == (name, "v2", "2")
    assert row["projectId"] == sim.config.project_id
    assert {"storageSize", "dataSize", "importStatus", "createTime", "projectName", "isPublic"} <= set(row)
    assert datasets(sim, name, f"{V1}/dataset") == [row]  # the example's path

    upload = {"namespace": "ccos-aidp", "dstpath": f"/mnt/{sim.config.project_id}/{name}/v2/oa3",
              "uploadId": "a2ff35d0c3d4b4852c7dea9dda166176", "filename": "oaast_sft_zh.json"}
    assert sim.ok("POST", f"{V1}/dataset/files", body=upload)["data"] is True
    assert datasets(sim, name)[0]["dataSize"] == "1"
    elsewhere = sim.call("POST", f"{V1}/dataset/files", body=upload | {"dstpath": "/mnt/nowhere"})
    assert elsewhere.status_code == 404

    taken = sim.call("POST", f"{V1}/dataset/insert", body=dataset_body(sim, name))
    assert taken.status_code == 409 and taken.json()["code"] == "ResourceAlreadyExists"
    assert sim.ok("DELETE", f"{V1}/dataset/delete", body={"id": row["id"]})["data"] is True
    assert datasets(sim, name) == []
    assert sim.call("DELETE", f"{V1}/dataset/delete", body={"id": row["id"]}).status_code == 404
