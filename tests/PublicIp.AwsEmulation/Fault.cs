namespace PublicIp.AwsEmulation;

/// <summary>Which calls a fault applies to with respect to the DryRun flag.</summary>
public enum DryRunCondition
{
    Any,
    /// <summary>Only DryRun=true calls: how AWS reports an IAM deny to a permission probe.</summary>
    DryRunOnly,
    NotDryRun,
}

/// <summary>What a fault does when it fires.</summary>
public abstract record FaultEffect;

/// <summary>Answer with the error; moto never sees the call.</summary>
public sealed record ReplyWithError(Ec2Error Error) : FaultEffect;

/// <summary>
/// Answer with an error whose message quotes what signed the call (its Authorization header, access key and session
/// token), as AWS's Query APIs do when they explain a signature mismatch: a test of what the provider lets through.
/// The quote is not worded as a canonical request, so only a client that knows the credentials can hide them.
/// </summary>
public sealed record ReplyEchoingRequest(string Code) : FaultEffect
{
    internal Ec2Error For(Ec2Request request, string authorization) => new(System.Net.HttpStatusCode.Forbidden, Code,
        $"The request could not be authorized. It was signed as '{authorization}' by key {request.AccessKeyId} with session token '{request.SecurityToken}'.")
    {
        Sts = request.Service == "sts",
    };
}

/// <summary>Forward to moto (state changes), then answer with the error: "it happened but the reply was lost".</summary>
public sealed record ForwardThenError(Ec2Error Error) : FaultEffect;

/// <summary>
/// Forward to moto (state changes, the journal records it), then hold moto's answer this long before passing it on:
/// the window in which a test kills the caller after the call reached EC2. A caller that hangs up ends the hold.
/// </summary>
public sealed record ForwardThenHold(TimeSpan Delay) : FaultEffect;

/// <summary>Wait, then carry on as if the fault had not matched (rules and other faults still apply).</summary>
public sealed record AddLatency(TimeSpan Delay) : FaultEffect;

/// <summary>
/// A scripted fault. Immutable; tune with <c>with</c> or the fluent helpers.
/// <c>Times == null</c> fires on every matching call.
/// </summary>
public sealed record Fault(string Action, FaultEffect Effect)
{
    public int? Times { get; init; } = 1;

    public DryRunCondition DryRun { get; init; } = DryRunCondition.Any;

    public Func<Ec2Request, bool>? Predicate { get; init; }

    public static Fault Error(string action, Ec2Error error) => new(action, new ReplyWithError(error));

    public static Fault AfterForward(string action, Ec2Error error) => new(action, new ForwardThenError(error));

    public static Fault EchoingRequest(string action, string code = "SignatureDoesNotMatch") => new(action, new ReplyEchoingRequest(code));

    public static Fault Latency(string action, TimeSpan delay) => new(action, new AddLatency(delay));

    public static Fault HoldAnswer(string action, TimeSpan delay) => new(action, new ForwardThenHold(delay));

    /// <summary>IAM deny as AWS reports it to a DryRun probe; real calls are left alone.</summary>
    public static Fault DeniedOnDryRun(string action) =>
        Error(action, Ec2Error.UnauthorizedOperation()) with { DryRun = DryRunCondition.DryRunOnly, Times = null };

    public Fault FiresTimes(int times) => this with { Times = times };

    public Fault Always() => this with { Times = null };

    public Fault When(Func<Ec2Request, bool> predicate) => this with { Predicate = predicate };

    /// <summary>Matches when the call names <paramref name="allocationId"/> as AllocationId (scalar or list).</summary>
    public Fault ForAllocationId(string allocationId) => When(r => r.Mentions("AllocationId", allocationId));

    internal bool Matches(Ec2Request request) =>
        string.Equals(request.Action, Action, StringComparison.Ordinal)
        && DryRun switch
        {
            DryRunCondition.DryRunOnly => request.DryRun,
            DryRunCondition.NotDryRun => !request.DryRun,
            _ => true,
        }
        && (Predicate?.Invoke(request) ?? true);
}

/// <summary>A fault installed on a proxy. Counts firings so tests can assert the provider met it.</summary>
public sealed class InjectedFault
{
    private int _fired;
    private int _removed;

    internal InjectedFault(Fault fault) => Fault = fault;

    public Fault Fault { get; }

    public int Fired => Volatile.Read(ref _fired);

    public bool Exhausted => Fault.Times is { } times && Fired >= times;

    /// <summary>Stops the fault from firing again.</summary>
    public void Remove() => Volatile.Write(ref _removed, 1);

    /// <summary>Claims one firing atomically, so N concurrent calls see exactly Times failures.</summary>
    internal bool TryFire(Ec2Request request)
    {
        if (Volatile.Read(ref _removed) == 1 || !Fault.Matches(request))
        {
            return false;
        }
        if (Fault.Times is not { } times)
        {
            Interlocked.Increment(ref _fired);
            return true;
        }
        while (true)
        {
            var current = Volatile.Read(ref _fired);
            if (current >= times)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _fired, current + 1, current) == current)
            {
                return true;
            }
        }
    }
}
