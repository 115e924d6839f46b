"""Vision alignment, goal mapping, scoring and now / later / never. Pure: data in, data out."""
