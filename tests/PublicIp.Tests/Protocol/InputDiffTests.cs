using PublicIp.Harness;
using PublicIp.Protocol.Resources;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Protocol;

public class InputDiffTests
{
    private static readonly IReadOnlySet<string> Replace = new HashSet<string> { "domain" };

    [Fact]
    public void Replace_only_properties_are_marked_replace_and_others_update()
    {
        var olds = Props.Map(("domain", "vpc"), ("instanceId", "i-1"), ("tags", new Dictionary<string, string> { ["a"] = "1" }));
        var news = Props.Map(("domain", "standard"), ("tags", new Dictionary<string, string> { ["a"] = "2" }));
        var diff = InputDiff.Compute(olds, news, Replace, []);
        Assert.True(diff.HasChanges);
        Assert.Equal(DiffKind.UpdateReplace, diff.DetailedDiff["domain"]);
        Assert.Equal(DiffKind.Delete, diff.DetailedDiff["instanceId"]);
        Assert.Equal(DiffKind.Update, diff.DetailedDiff["tags"]);
        Assert.Equal(["domain"], diff.Replaces);
        Assert.Equal(["domain", "instanceId", "tags"], diff.Diffs.Order());
    }

    [Fact]
    public void Secretness_alone_is_not_a_change_but_an_unknown_is()
    {
        var olds = Props.Map(("instanceId", "i-1"));
        Assert.False(InputDiff.Compute(olds, Props.Map(("instanceId", Props.Secret("i-1"))), Replace, []).HasChanges);
        var unknown = InputDiff.Compute(olds, Props.Map(("instanceId", PropertyValue.Unknown())), Replace, []);
        Assert.Equal(DiffKind.Update, unknown.DetailedDiff["instanceId"]);
    }

    [Fact]
    public void Ignored_properties_do_not_diff()
    {
        var diff = InputDiff.Compute(Props.Map(("tags", new Dictionary<string, string> { ["a"] = "1" })), Props.Map(), Replace, ["tags"]);
        Assert.False(diff.HasChanges);
    }
}
