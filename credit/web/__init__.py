"""Pages and documents for people: server-rendered HTML in Chinese, charts as SVG, PDFs."""
