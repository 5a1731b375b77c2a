using PublicIp.Demo;

namespace PublicIp.Tests.Demo;

/// <summary>`make demo`'s story, run here so it cannot silently break: every example, every chapter, in Pulumi's words.</summary>
public sealed class DemoStoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("publicip-demo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Every_example_plays_preview_up_refresh_rehearsal_refused_release_and_destroy()
    {
        var output = new StringWriter();
        var env = new Dictionary<string, string?> { ["AWS_REGION"] = "eu-west-1" };
        var story = new DemoStory(output, k => env.GetValueOrDefault(k));
        var examples = DemoStory.AllExamples();
        var ok = await story.RunAsync(examples);
        var text = output.ToString();
        Assert.True(ok, text);
        Assert.Equal(examples.Count, story.Outcomes.Select(o => o.Example).Where(e => e != "operator").Distinct().Count());

        // The main job, visible: a DryRun preview, a permission problem as a diagnostic, a rehearsal, a refused release
        // that keeps the resource, and the delete's steps in order.
        Assert.Contains("AllocateAddress with DryRun: permitted", text, StringComparison.Ordinal);
        Assert.Contains("[UnauthorizedOperation]", text, StringComparison.Ordinal);
        Assert.Contains("a rehearsal that refuses on purpose is the expected outcome", text, StringComparison.Ordinal);
        Assert.Contains("(InvalidAddress.PtrSet)", text, StringComparison.Ordinal);
        Assert.Contains("stays in the stack", text, StringComparison.Ordinal);
        Assert.Matches(@"read +DescribeAddresses\r?\n(.*\r?\n)*? +disassociate +DisassociateAddress\r?\n +release +ReleaseAddress", text);
        Assert.Contains("moto hands out 127.x addresses", text, StringComparison.Ordinal);
        Assert.Contains("== summary", text, StringComparison.Ordinal);
        Assert.Contains(story.Outcomes, o => o.Chapter == "operator sweep" && o.Ok);

        // AWS_REGION is honoured where the example does not pin a region, and the region is said.
        Assert.Contains("region eu-west-1 (from AWS_REGION", text, StringComparison.Ordinal);

        // Pulumi's words, not the protocol's.
        foreach (var jargon in new[] { "DiffSome", "CheckConfig", "Configure", "Engine.Log", "SIGINT", "Cancel" })
        {
            Assert.DoesNotContain(jargon, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_example_with_a_folded_description_a_pinned_region_and_rehearseDeletes_on_passes()
    {
        // The three things that broke the old demo: a `>` scalar, a region other than us-east-1 pinned in the
        // example (the demo's own checks must look there), and rehearseDeletes set by the example itself.
        var program = Path.Combine(_dir, "Pulumi.yaml");
        await File.WriteAllTextAsync(program, """
            name: pinned-elsewhere
            runtime: yaml
            description: >
              One address in a region other than the default,
              with destroy rehearsals switched on by the program itself.
            config:
              publicip:awsRegion: ap-southeast-2
              publicip:rehearseDeletes: true
            resources:
              ip:
                type: publicip:aws:ElasticIp
                properties:
                  tags: { team: "net", cost-centre: "42" }
            outputs:
              publicIp: ${ip.publicIp}
            """);
        var output = new StringWriter();
        var story = new DemoStory(output, k => k == "AWS_REGION" ? "eu-west-1" : null);
        var ok = await story.RunAsync([program]);
        var text = output.ToString();
        Assert.True(ok, text);
        Assert.Contains("region ap-southeast-2 (pinned by the example's publicip:awsRegion)", text, StringComparison.Ordinal);
        Assert.Contains("EC2 (ap-southeast-2) holds", text, StringComparison.Ordinal);
        Assert.Contains("the example sets publicip:rehearseDeletes: true", text, StringComparison.Ordinal);
        Assert.All(story.Outcomes, o => Assert.True(o.Ok, $"{o.Chapter}: {o.Result}"));
    }

    [Fact]
    public async Task A_resource_the_demo_cannot_play_fails_by_name_instead_of_being_skipped()
    {
        var program = Path.Combine(_dir, "Pulumi.yaml");
        await File.WriteAllTextAsync(program, """
            name: unknown-type
            runtime: yaml
            resources:
              bucket:
                type: aws:s3:Bucket
              ip:
                type: publicip:aws:ElasticIp
            """);
        var output = new StringWriter();
        var ok = await new DemoStory(output, _ => null).RunAsync([program]);
        Assert.False(ok);
        Assert.Contains("aws:s3:Bucket", output.ToString(), StringComparison.Ordinal);
    }
}
