@main struct PlazaMain { static func main() {} }
