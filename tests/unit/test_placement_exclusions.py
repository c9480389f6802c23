"""Which flavors a job may not use, and why: nodes, data location, vendor lists, price, sold out, refusals."""

from contracts.catalog import Exclusion, VendorFlavor
from contracts.jobs import JobSpec
from services.scheduler.placement import (
    Outcome, Wants, candidates, ever_placeable, excluded_all, excluded_for_funds, exclusion, exclusion_after,
    rejection_message, screen, unreadable_vendors,
)


def flavor(fid, vendor="modelarts", accelerator="ascend-910b", count=1, price=18_000_000, available=True,
           max_nodes=1):
    return VendorFlavor(vendor=vendor, flavor_id=fid, accelerator=accelerator, count=count, cpu=8, memory_gb=64,
                        price_per_hour=price, available=available, max_nodes=max_nodes)


def job(nodes=1, inputs=(), outputs=(), **extra) -> JobSpec:
    return JobSpec(kind="training", name="n", image="i", command="c",
                   resources={"accelerator": "ascend-910b", "count": 1, "nodes": nodes},
                   inputs=list(inputs), outputs=list(outputs), **extra)


def mount(uri, name="data", path="/data/in"):
    return {"name": name, "uri": uri, "mount": path}


def price(f: VendorFlavor) -> int:
    return f.price_per_hour


def test_a_flavor_running_fewer_nodes_than_asked_is_too_few_nodes():
    wants = Wants.of(job(nodes=2))
    assert exclusion(flavor("one", max_nodes=1), wants, 1) == "too_few_nodes"
    assert exclusion(flavor("many", max_nodes=16), wants, 1) is None


def test_a_multi_node_job_is_placed_and_priced_per_node():
    wants = Wants.of(job(nodes=2))
    assert (wants.nodes, wants.instances) == (2, 2)


def test_data_on_one_vendor_leaves_every_other_vendor_out_even_when_cheaper():
    wants = Wants.of(job(inputs=[mount("obs://bucket/imagenet/")]))
    flavors = [flavor("ma", price=30), flavor("cheap", vendor="aispace", price=1)]
    usable, excluded = screen(flavors, wants, price)
    assert [f.flavor_id for f in usable] == ["ma"]
    assert excluded == [Exclusion(vendor="aispace", flavor="cheap", reason="data_elsewhere")]


def test_https_inputs_do_not_restrict_where_a_job_runs():
    wants = Wants.of(job(inputs=[mount("https://example.com/data.tar")]))
    flavors = [flavor("ma", price=30), flavor("ai", vendor="aispace", price=1)]
    assert [f.flavor_id for f in candidates(flavors, wants, sell_price=price)] == ["ai", "ma"]


def test_outputs_tie_a_job_to_their_vendor_too():
    wants = Wants.of(job(outputs=[mount("caip-volume://vol-1", name="out", path="/out")]))
    assert wants.data_vendor == "caip"
    assert exclusion(flavor("ma"), wants, 1) == "data_elsewhere"


def test_each_reason_names_the_first_rule_a_flavor_breaks():
    wants = Wants.of(job(nodes=2, placement={"exclude_vendors": ["qizhi"], "max_price_per_hour": "20.00"}))
    assert exclusion(flavor("gpu", accelerator="nvidia-v100", max_nodes=8), wants, 1) == "no_such_accelerator"
    assert exclusion(flavor("q", vendor="qizhi", max_nodes=1), wants, 1) == "too_few_nodes"
    assert exclusion(flavor("q", vendor="qizhi", max_nodes=8), wants, 1) == "vendor_excluded"
    assert exclusion(flavor("dear", max_nodes=8), wants, 21_000_000) == "over_max_price"
    assert exclusion(flavor("sold", max_nodes=8, available=False), wants, 1) == "sold_out"
    assert exclusion(flavor("ok", max_nodes=8), wants, 20_000_000) is None


def test_only_lasting_reasons_make_a_job_never_placeable():
    wants = Wants.of(job(nodes=2, inputs=[mount("obs://bucket/x")]))
    assert not ever_placeable([flavor("one", max_nodes=1), flavor("ai", vendor="aispace", max_nodes=8)], wants, price)
    assert ever_placeable([flavor("sold", max_nodes=2, available=False)], wants, price)


def test_a_job_whose_data_vendor_cannot_be_read_waits_for_it_rather_than_being_rejected():
    wants = Wants.of(job(inputs=[mount("obs://bucket/x")]))
    others = [flavor("ai", vendor="aispace")]
    assert not ever_placeable(others, wants, price)
    assert ever_placeable(others, wants, price, unreadable=frozenset({"modelarts"}))
    assert not ever_placeable(others, wants, price, unreadable=frozenset({"caip"}))  # its data is not there
    excluded = Wants.of(job(placement={"exclude_vendors": ["modelarts"]}))
    assert not ever_placeable([], excluded, price, unreadable=frozenset({"modelarts"}))


def test_a_vendor_that_listed_nothing_is_left_out_whole_as_degraded():
    assert unreadable_vendors(["modelarts", "caip"], [flavor("ma")]) == [
        Exclusion(vendor="caip", flavor=None, reason="vendor_degraded")]


def test_funds_and_quota_exclusions_name_each_candidate():
    options = [flavor("a"), flavor("b")]
    assert excluded_for_funds(options, [options[0]]) == [Exclusion(vendor="modelarts", flavor="b", reason="funds")]
    assert [e.reason for e in excluded_all(options, "quota")] == ["quota", "quota"]


def test_a_vendor_refusal_becomes_the_exclusion_it_means():
    assert exclusion_after(Outcome.CAPACITY) == "sold_out"
    assert exclusion_after(Outcome.QUOTA) == "quota"
    assert exclusion_after(Outcome.UNAVAILABLE) == exclusion_after(Outcome.RATE_LIMITED) == "vendor_degraded"
    assert exclusion_after(Outcome.INVALID) is None


def test_a_rejection_says_how_many_nodes_and_why():
    message = rejection_message(job(nodes=4), [Exclusion(vendor="modelarts", flavor="one", reason="too_few_nodes")])
    assert "on 4 nodes" in message and "too_few_nodes" in message
