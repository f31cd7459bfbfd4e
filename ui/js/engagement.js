// engagement
