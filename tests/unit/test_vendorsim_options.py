"""Simulator command lines built from the config dataclasses (services.vendorsim.options)."""

import argparse
import dataclasses
from collections.abc import Callable
from typing import Literal

import pytest

from services.vendorsim import available_simulators
from services.vendorsim.options import command_line, fixed, option

SIMULATORS = available_simulators()


def parse(vendor: str, *argv: str):  # noqa: ANN201 - each simulator has its own config class
    parser = argparse.ArgumentParser()
    SIMULATORS[vendor].add_cli_arguments(parser)
    return SIMULATORS[vendor].config_from_cli(parser.parse_args(list(argv)))


def config_class(vendor: str) -> type:
    return type(parse(vendor))


@pytest.mark.parametrize("vendor", sorted(SIMULATORS))
def test_no_options_give_the_configs_defaults(vendor: str) -> None:
    assert parse(vendor) == config_class(vendor)()


@pytest.mark.parametrize("vendor", sorted(SIMULATORS))
def test_every_field_but_the_fixed_ones_is_an_option_with_a_help_text(vendor: str) -> None:
    parser = argparse.ArgumentParser()
    SIMULATORS[vendor].add_cli_arguments(parser)
    helps = {action.dest: action.help for action in parser._actions}
    for field in dataclasses.fields(config_class(vendor)):
        if field.metadata.get("cli", True):
            assert helps.get(field.name), f"{vendor}: --{field.name.replace('_', '-')} has no option or no help"
        else:
            assert field.name not in helps


@pytest.mark.parametrize("vendor", sorted(SIMULATORS))
def test_the_end_to_end_tests_fast_options_still_parse(vendor: str) -> None:
    assert parse(vendor, *SIMULATORS[vendor].FAST_ARGS) != config_class(vendor)()


def test_options_keep_their_types_choices_and_old_names() -> None:
    modelarts = parse("modelarts", "--capacity", "2", "--lease-scale", "0.05", "--search-offset-mode", "record")
    assert (modelarts.capacity, modelarts.lease_scale, modelarts.search_offset_mode) == (2, 0.05, "record")
    caip = parse("caip", "--flavor-replicas", "1", "--no-unique-names")
    assert (caip.flavor_replicas, caip.unique_names, parse("caip").flavor_replicas) == (1, False, None)
    assert parse("qizhi", "--bare").envelope is False and parse("qizhi").envelope is True
    assert parse("aispace", "--project-id", "7", "--auth", "off").project_id == 7
    with pytest.raises(SystemExit):
        parse("qizhi", "--timeout-status", "job_lost")


def test_a_field_added_to_a_config_is_an_option() -> None:
    @dataclasses.dataclass(frozen=True)
    class Config:
        rate: float = option(1.5, "calls per second")
        mode: Literal["a", "b"] = option("a", "the mode")
        clock: Callable[[], float] = fixed(lambda: 0.0)

    add, build = command_line(Config)
    parser = argparse.ArgumentParser()
    add(parser)
    config = build(parser.parse_args(["--rate", "3", "--mode", "b"]))
    assert (config.rate, config.mode) == (3.0, "b")


def test_a_field_the_command_line_cannot_carry_must_be_fixed() -> None:
    @dataclasses.dataclass(frozen=True)
    class Config:
        names: tuple[str, ...] = ()

    with pytest.raises(TypeError, match="names"):
        command_line(Config)
