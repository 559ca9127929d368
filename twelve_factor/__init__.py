"""Facts of the methodology itself, in plain Python: the site's apps and the grader (which imports no Django) read
them from here, so there is one table of the twelve factors."""
