Console.WriteLine("benchmark: work in progress");
