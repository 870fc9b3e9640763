"""The command line: every command explains itself with an example."""
import pytest
from click.testing import CliRunner

from etl.cli import main

COMMANDS = sorted(main.commands)


def test_there_are_commands():
    assert "build" in COMMANDS


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMANDS]], ids=["etl", *COMMANDS])
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "etl " in result.output.split("Example:", 1)[1]


def test_unknown_command_says_what_to_do():
    result = CliRunner().invoke(main, ["bulid"])
    assert result.exit_code == 2
    assert "No such command 'bulid'" in result.output
