using BenchmarkDotNet.Attributes;

namespace AttentionGen.Benchmarks.Comparison;

// One BenchmarkDotNet class per shape of Shapes.cs; PeerBenchmarks holds everything else.
// Run e.g. `dotnet run -c Release --project benchmarks/AttentionGen.Benchmarks -- --filter *ShapeA*`.

[MemoryDiagnoser] public class ShapeABenchmarks() : PeerBenchmarks(ShapeCases.A);
[MemoryDiagnoser] public class ShapeBBenchmarks() : PeerBenchmarks(ShapeCases.B);
[MemoryDiagnoser] public class ShapeCBenchmarks() : PeerBenchmarks(ShapeCases.C);
[MemoryDiagnoser] public class ShapeDBenchmarks() : PeerBenchmarks(ShapeCases.D);
[MemoryDiagnoser] public class ShapeEBenchmarks() : PeerBenchmarks(ShapeCases.E);
[MemoryDiagnoser] public class ShapeFBenchmarks() : PeerBenchmarks(ShapeCases.F);
[MemoryDiagnoser] public class ShapeGBenchmarks() : PeerBenchmarks(ShapeCases.G);
[MemoryDiagnoser] public class ShapeHBenchmarks() : PeerBenchmarks(ShapeCases.H);
