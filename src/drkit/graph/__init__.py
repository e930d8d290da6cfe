"""The resource graph: the JSON contract between the program run and every offline check."""
