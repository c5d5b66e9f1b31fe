using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Testing;

namespace ServerlessPush.Core.Tests.Architecture;

/// <summary>
/// The namespaces of the gateway's assemblies depend on each other without cycles, so each layer can
/// be read (and tested) knowing only the ones below it. Dependencies are read from the compiled
/// assembly: signatures, fields, attributes and every type, method and field named in method bodies.
/// </summary>
public sealed partial class NamespaceCycleTests
{
    /// <summary>Every production assembly (each project outside tests/), named through one of its types so a rename cannot drop one silently.</summary>
    private static readonly string[] ProductionAssemblies =
    [
        typeof(GroupingKey).Assembly.GetName().Name!,
        typeof(global::ServerlessPush.Storage.Tables.TableKeys).Assembly.GetName().Name!,
        typeof(global::ServerlessPush.Http.GatewayRouter).Assembly.GetName().Name!,
        typeof(global::ServerlessPush.LocalHost.LocalGatewayHost).Assembly.GetName().Name!,
        typeof(global::ServerlessPush.Functions.Triggers.HttpFunctions).Assembly.GetName().Name!,
    ];

    public static TheoryData<string> Assemblies => new(ProductionAssemblies);

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Namespaces_have_no_cycles(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var graph = NamespaceGraph.Of(assembly);
        var cycles = NamespaceGraph.Cycles(graph).Select(c => string.Join("; ", c)).ToList();
        Assert.True(cycles.Count == 0, "Namespace cycles:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void Every_production_project_of_the_solution_is_checked()
    {
        // A project the solution adds outside tests/ must join the list above, or its cycles go unseen.
        var projects = File.ReadLines(Path.Combine(RepoPaths.Root, RepoPaths.SolutionFileName))
            .Select(line => ProjectLine().Match(line))
            .Where(m => m.Success && !m.Groups["path"].Value.StartsWith("tests", StringComparison.Ordinal))
            .Select(m => m.Groups["name"].Value)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(projects);
        Assert.Equal(projects, ProductionAssemblies.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("""^Project\("[^"]+"\) = "(?<name>[^"]+)", "(?<path>[^"]+\.csproj)", """)]
    private static partial Regex ProjectLine();

    [Fact]
    public void The_graph_sees_a_dependency_made_only_in_a_method_body()
    {
        // PushService names TimestampGauges only inside methods: the reader must find that edge.
        var graph = NamespaceGraph.Of(typeof(GroupingKey).Assembly);
        Assert.Contains("ServerlessPush.Core.Exposition", graph["ServerlessPush.Core.Gateway"]);
    }
}

/// <summary>Namespace → the namespaces it uses, within one assembly.</summary>
internal static class NamespaceGraph
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static Dictionary<string, HashSet<string>> Of(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = NamespaceOf(type);
            if (from is null)
            {
                continue;
            }
            if (!graph.TryGetValue(from, out var edges))
            {
                graph[from] = edges = new HashSet<string>(StringComparer.Ordinal);
            }
            foreach (var used in UsedTypes(type))
            {
                foreach (var t in Expand(used))
                {
                    if (t.Assembly == assembly && NamespaceOf(t) is { } to && to != from)
                    {
                        edges.Add(to);
                    }
                }
            }
        }
        return graph;
    }

    /// <summary>The namespace a type belongs to; compiler-generated and nested types count as their outermost declaring type's.</summary>
    private static string? NamespaceOf(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type.Namespace;
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()!))
            {
                yield return t;
            }
            yield break;
        }
        if (type.IsGenericParameter)
        {
            yield break;
        }
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return argument;
            }
        }
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }
        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }
        foreach (var a in type.GetCustomAttributesData())
        {
            yield return a.AttributeType;
        }
        foreach (var field in type.GetFields(All))
        {
            yield return field.FieldType;
        }
        foreach (var property in type.GetProperties(All))
        {
            yield return property.PropertyType;
        }
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }
            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }
            var body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }
            foreach (var local in body.LocalVariables)
            {
                yield return local.LocalType;
            }
            foreach (var used in BodyReferences(method, body.GetILAsByteArray() ?? []))
            {
                yield return used;
            }
        }
    }

    /// <summary>Types named by the IL's type, method and field tokens.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            OpCode op;
            if (il[i] == 0xFE)
            {
                op = OpCodesByValue[unchecked((short)(0xFE00 | il[i + 1]))];
                i += 2;
            }
            else
            {
                op = OpCodesByValue[il[i]];
                i += 1;
            }
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try
                    {
                        member = module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A token into a generic context this scan cannot supply: its declaring type is still seen elsewhere.
                    }
                    switch (member)
                    {
                        case Type t:
                            yield return t;
                            break;
                        case FieldInfo f:
                            yield return f.DeclaringType!;
                            yield return f.FieldType;
                            break;
                        case MethodBase m:
                            yield return m.DeclaringType!;
                            if (m is MethodInfo mi)
                            {
                                yield return mi.ReturnType;
                                if (mi.IsGenericMethod)
                                {
                                    foreach (var a in mi.GetGenericArguments())
                                    {
                                        yield return a;
                                    }
                                }
                            }
                            break;
                    }
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                    i += 4;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
            }
        }
    }

    /// <summary>Every elementary cycle's strongly connected component, as one cycle through it (Tarjan, then a path back).</summary>
    public static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = 0;
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var components = new List<List<string>>();

        void Visit(string v)
        {
            indices[v] = low[v] = index++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!indices.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], indices[w]);
                }
            }
            if (low[v] == indices[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    components.Add(component);
                }
            }
        }

        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!indices.ContainsKey(v))
            {
                Visit(v);
            }
        }
        // Each component as a readable cycle: its members with the edges between them.
        return components.Select(c => c.Order(StringComparer.Ordinal)
            .Select(n => $"{n} [uses {string.Join(", ", graph[n].Where(c.Contains).Order(StringComparer.Ordinal))}]").ToList()).ToList();
    }
}
