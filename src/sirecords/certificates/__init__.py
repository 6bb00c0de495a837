"""Written answers (issue 11): certificates and statements as signed PDFs anyone can verify offline."""
