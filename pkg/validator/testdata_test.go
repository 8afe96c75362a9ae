package validator

// orderJSON is a typical ~1 KB create-order body.
const orderJSON = `{
  "customer_id": "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
  "currency": "EUR",
  "placed_at": "2025-03-14T09:26:53Z",
  "contact": {"email": "ada@example.com", "phone": "+44 20 7946 0958"},
  "shipping": {
    "name": "Ada Lovelace",
    "street": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB"
  },
  "items": [
    {"sku": "BK-1843-NOTES", "name": "Notes on the Analytical Engine", "quantity": 2, "unit_price": 24.5},
    {"sku": "PN-0001-QUILL", "name": "Quill pen", "quantity": 1, "unit_price": 7.25},
    {"sku": "IN-0042-BLACK", "name": "Ink, black, 50 ml", "quantity": 3, "unit_price": 4.99},
    {"sku": "PA-A4-100", "name": "Paper, A4, 100 sheets", "quantity": 5, "unit_price": 3.1}
  ],
  "gift": false,
  "coupon": null,
  "notes": "Please leave the parcel with the concierge if nobody answers the door.",
  "tags": ["priority", "fragile"]
}`
