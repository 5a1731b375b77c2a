Console.WriteLine("demo: work in progress");
return 1;
