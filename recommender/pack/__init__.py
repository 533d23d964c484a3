"""The pack format: parsing, validation and schema; pure, and below everything else."""
