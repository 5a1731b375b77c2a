namespace PublicIp.Harness;

/// <summary>Finds the repository and the published plugin without hard-coding any machine path.</summary>
public static class RepoPaths
{
    public const string BinaryName = "pulumi-resource-publicip";

    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PulumiProvider.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("cannot find the repository root (PulumiProvider.sln) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The Native AOT binary `make provider` publishes; PUBLICIP_PROVIDER_BINARY overrides it.</summary>
    public static string ProviderBinary
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("PUBLICIP_PROVIDER_BINARY");
            var path = string.IsNullOrEmpty(overridden) ? Path.Combine(Root, "artifacts", "provider", BinaryName) : overridden;
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"the provider binary is not published at {path}: run `make provider` first", path);
            }
            return path;
        }
    }
}
