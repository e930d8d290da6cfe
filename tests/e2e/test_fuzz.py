"""Generated graphs: no input makes the loader or the gate hang or trace back."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drcore.errors import UsageError
from drkit.cli import main
from drkit.graph.resource_graph import graph_from_json, load_graph

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25)

TYPES = ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:ec2/securityGroup:SecurityGroup", "aws:iam/policy:Policy",
         "aws:dynamodb/table:Table", "aws:rds/cluster:Cluster", "aws:lb/listener:Listener", "aws:sns/topic:Topic",
         "aws:backup/vault:Vault", "aws:route53/record:Record", "aws:cloudtrail/trail:Trail", "my:component:Thing"]


@st.composite
def shaped_graphs(draw):
    """Graphs of the documented shape with arbitrary types, names and inputs, and optional providers."""
    resources = [{"urn": "urn:pulumi:s::p::pulumi:providers:aws::prov", "type": "pulumi:providers:aws",
                  "name": "prov", "custom": True, "parent": None, "provider": None, "dependencies": [],
                  "inputs": {"region": draw(st.sampled_from(["us-east-1", "eu-west-1", 7, None])),
                             "defaultTags": draw(st.sampled_from(['{"tags": {"Project": "x"}}', "not json", {}]))}}]
    for index in range(draw(st.integers(0, 6))):
        type_token = draw(st.sampled_from(TYPES))
        resources.append({"urn": f"urn:pulumi:s::p::{type_token}::r{index}", "type": type_token, "name": f"r{index}",
                          "custom": draw(st.booleans()), "parent": None,
                          "provider": draw(st.sampled_from([None, "urn:pulumi:s::p::pulumi:providers:aws::prov"])),
                          "dependencies": [], "inputs": draw(st.dictionaries(
                              st.sampled_from(["tags", "policy", "bucket", "kmsKeyId", "ingress", "replicas",
                                               "protocol", "rules", "name", "enableKeyRotation"]),
                              json_values, max_size=4))})
    return {"project": "p", "stack": "s", "resources": resources}


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_loader_accepts_or_refuses_any_json(data):
    try:
        graph = graph_from_json(data)
    except UsageError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(graph.resources, list)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_loader_refuses_arbitrary_bytes_cleanly(tmp_path, blob):
    path = tmp_path / "graph.json"
    path.write_bytes(blob)
    try:
        load_graph(path)
    except UsageError as error:
        assert "\n" not in str(error)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                              HealthCheck.too_slow])
@given(shaped_graphs())
def test_gate_gives_a_verdict_or_one_line_error(tmp_path, capsys, data):
    path = tmp_path / "graph.json"
    path.write_text(json.dumps(data))
    code = main(["policy", "--graph", str(path), "--policy-pack", "policypack", "--json"])
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in captured.err
    if code == 2:
        assert len([line for line in captured.err.splitlines() if "error:" in line]) == 1
    else:
        assert json.loads(captured.out)["passed"] is (code == 0)
