"""The mock-runtime capture records what the engine would see, and refuses what the engine would refuse."""
import textwrap

import pytest

from drcore.errors import UsageError
from drkit.graph.capture import run_program
from drkit.graph.resource_graph import SECRET_SIG, SIG_KEY, load_graph
from tests.support.program import capture


def program(tmp_path, body: str):
    directory = tmp_path / "prog"
    directory.mkdir()
    (directory / "__main__.py").write_text("import json\nimport pulumi\nimport pulumi_aws as aws\n"
                                           "p = aws.Provider('p', region='eu-west-1')\n" + textwrap.dedent(body))
    return directory


def test_duplicate_urn_is_refused_like_the_engine_does(tmp_path):
    directory = program(tmp_path, """
        aws.sns.Topic("alerts", opts=pulumi.ResourceOptions(provider=p))
        aws.sns.Topic("alerts", opts=pulumi.ResourceOptions(provider=p))
    """)
    with pytest.raises(UsageError, match=r"registers 1 resource\(s\) twice, first .*aws:sns/topic:Topic::alerts"):
        run_program(directory, "proj", "dev", {})


def test_inputs_provider_dependencies_and_secrets_are_recorded(tmp_path):
    directory = program(tmp_path, """
        key = aws.kms.Key("key", enable_key_rotation=True, opts=pulumi.ResourceOptions(provider=p))
        topic = aws.sns.Topic("alerts", kms_master_key_id=key.arn, opts=pulumi.ResourceOptions(provider=p))
        secret = aws.secretsmanager.Secret("s", opts=pulumi.ResourceOptions(provider=p))
        aws.secretsmanager.SecretVersion("v", secret_id=secret.id, secret_string=pulumi.Output.secret("hunter2"),
                                         opts=pulumi.ResourceOptions(provider=p))
        pulumi.export("topic", topic.arn)
    """)
    graph = run_program(directory, "proj", "dev", {})
    by_name = {r.name: r for r in graph}
    topic, key = by_name["alerts"], by_name["key"]
    assert topic.provider == by_name["p"].urn and graph.region_of(topic) == "eu-west-1"
    assert topic.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:eu-west-1:")  # the key's ARN, in its region
    assert key.urn in topic.dependencies and topic.property_dependencies["kmsMasterKeyId"] == [key.urn]
    assert by_name["v"].inputs["secretString"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}
    assert "hunter2" not in str(graph.to_json())
    assert graph.outputs["topic"].startswith("arn:aws:sns:eu-west-1:")


def test_a_saved_graph_reloads_equal_to_the_captured_one(tmp_path):
    """What `drkit policy --graph` gates is what `drkit preview --graph-out` captured; the suite's workers share
    captured graphs the same way (tests/support/program.py). A fresh capture of prod, the larger stack: a graph
    already reloaded could not show what the first save lost."""
    captured = capture("prod")
    captured.save(tmp_path / "graph.json")
    assert load_graph(tmp_path / "graph.json") == captured
