namespace PublicIp.Protocol.Values;

/// <summary>
/// A value the engine sent that is not a well-formed Pulumi property value. It is bad input, not a provider bug:
/// Check reports it as a failure of the named property, every other call as InvalidArgument.
/// </summary>
public sealed class PropertyValueException(string path, string problem)
    : Exception($"property '{Text.Truncate(path, 120)}' {problem}")
{
    /// <summary>The property path (a.b[0].c); empty for the whole bag. The top-level name is what Check failures carry.</summary>
    public string Path { get; } = path;

    public string Problem { get; } = problem;

    public string TopLevelProperty
    {
        get
        {
            var end = Path.IndexOfAny(['.', '[']);
            return end < 0 ? Path : Path[..end];
        }
    }
}
