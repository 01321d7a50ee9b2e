"""The book's guards: each family page's formulas evaluated independently and compared with the code it names."""
