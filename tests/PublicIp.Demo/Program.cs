// `make demo`: every example in examples/ (or the programs named as arguments) played as pulumi preview, up,
// refresh and destroy would play them, through the published plugin, against moto behind our EC2 rules proxy.
using PublicIp.AwsEmulation;
using PublicIp.Demo;
using PublicIp.Harness;

IReadOnlyList<string> programs;
try
{
    programs = args.Length > 0
        ? [.. args.Select(a => File.Exists(a) ? a : File.Exists(Path.Combine(RepoPaths.Root, a)) ? Path.Combine(RepoPaths.Root, a) : throw new FileNotFoundException($"no Pulumi program at {a}"))]
        : DemoStory.AllExamples();
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"demo: FAILED: {e.Message}");
    return 1;
}

var story = new DemoStory(Console.Out, Environment.GetEnvironmentVariable);
try
{
    var ok = await story.RunAsync(programs);
    Console.WriteLine();
    Console.WriteLine(ok ? "demo: OK" : "demo: FAILED (see above)");
    return ok ? 0 : 1;
}
catch (Exception e) when (e is DemoFailure or MotoStartupException or FormatException or InvalidOperationException or TimeoutException)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"demo: FAILED: {e.GetType().Name}: {e.Message}");
    return 1;
}
