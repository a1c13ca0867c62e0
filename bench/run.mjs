// Side-by-side benchmarks (DESIGN.md §7) will live here and print ratios.
console.log('No benchmarks yet (see issue 7).');
